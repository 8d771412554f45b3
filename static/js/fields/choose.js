// Options from a named list: string[] (checkboxes) or one string (radios, data-multiple="false").
export function mount(field) {
  const options = [...field.querySelectorAll("input")];
  const multiple = field.dataset.multiple !== "false";
  return {
    read() {
      const picked = options.filter((o) => o.checked).map((o) => o.value);
      return multiple ? picked : picked[0] ?? "";
    },
    write(value) {
      const picked = [].concat(value ?? []);
      options.forEach((o) => { o.checked = picked.includes(o.value); });
    },
    clear() { this.write(); },
  };
}
