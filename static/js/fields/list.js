// n entries -> string[]. Entries beyond today's inputs (the pack shrank) are kept, never dropped.
export function mount(field) {
  const inputs = [...field.querySelectorAll("input")];
  let extra = [];
  return {
    read: () => [...inputs.map((input) => input.value), ...extra],
    write(value = []) {
      inputs.forEach((input, i) => { input.value = value[i] ?? ""; });
      extra = value.slice(inputs.length);
    },
    clear() { this.write(); },
  };
}
