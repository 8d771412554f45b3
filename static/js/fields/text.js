// One line of text: the field's own input.
export function mount(field) {
  const input = field.querySelector("input, textarea");
  return {
    read: () => input.value,
    write(value) { input.value = value ?? ""; },
    clear() { input.value = ""; },
  };
}
