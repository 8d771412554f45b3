// One widget per field type; mount(fieldEl) -> { read(), write(value), clear() }.
import * as choose from "./choose.js";
import * as drawing from "./drawing.js";
import * as list from "./list.js";
import * as longtext from "./longtext.js";
import * as pairs from "./pairs.js";
import * as scale from "./scale.js";
import * as text from "./text.js";

const WIDGETS = { text, longtext, list, pairs, choose, scale, drawing };

export { isEmpty } from "../session.js";

export const mount = (field) => WIDGETS[field.dataset.type].mount(field);
