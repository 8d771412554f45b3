// One point on a scale: number, or null when none is picked.
export function mount(field) {
  const points = [...field.querySelectorAll("input")];
  return {
    read() {
      const picked = points.find((p) => p.checked);
      return picked ? Number(picked.value) : null;
    },
    write(value) { points.forEach((p) => { p.checked = value != null && Number(p.value) === Number(value); }); },
    clear() { this.write(null); },
  };
}
