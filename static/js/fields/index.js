// One widget per field type; mount(fieldEl) -> { read(), write(value), clear() }.
import * as choose from "./choose.js";
import * as drawing from "./drawing.js";
import * as list from "./list.js";
import * as longtext from "./longtext.js";
import * as pairs from "./pairs.js";
import * as scale from "./scale.js";
import * as text from "./text.js";

const WIDGETS = { text, longtext, list, pairs, choose, scale, drawing };

/** True when a value holds nothing the worker wrote (empty strings, lists of them, no strokes...). */
export const isEmpty = (value) => value == null || value === ""
  || (typeof value === "object" && Object.values(value).every(isEmpty));

export const mount = (field) => WIDGETS[field.dataset.type].mount(field);
