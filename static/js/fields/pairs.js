// n rows of from -> to: [{from, to}]. Rows beyond today's inputs are kept, never dropped.
export function mount(field) {
  const rows = [...field.querySelectorAll(".pair")].map((row) => row.querySelectorAll("input"));
  let extra = [];
  return {
    read: () => [...rows.map(([from, to]) => ({ from: from.value, to: to.value })), ...extra],
    write(value = []) {
      rows.forEach(([from, to], i) => { from.value = value[i]?.from ?? ""; to.value = value[i]?.to ?? ""; });
      extra = value.slice(rows.length);
    },
    clear() { this.write(); },
  };
}
