// Several lines of text: a textarea, read and written like a text field.
export { mount } from "./text.js";
