// The storefront's labels in the shop's language. A page of a shop that is not English carries its
// message catalog (English label -> translation, from shelfwise/web/messages) in a JSON block;
// `t` returns the translation, or the English label itself, with `{name}` placeholders filled in.

const block = document.getElementById("shop-messages");
const MESSAGES = block ? JSON.parse(block.textContent) : {};

export const LANGUAGE = document.documentElement.lang || "en";

export function t(text, values = {}) {
  let out = Object.prototype.hasOwnProperty.call(MESSAGES, text) ? MESSAGES[text] : text;
  for (const [name, value] of Object.entries(values)) out = out.split(`{${name}}`).join(String(value));
  return out;
}
