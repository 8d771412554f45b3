// A de-identification check run before anything is sealed: it flags what looks like it could
// identify a patient, so the worker can edit it out. It cannot prove text is anonymous.
const MONTHS = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";
const CHECKS = [
  ["CHI or NHS number", /\b\d{3}[ -]?\d{3}[ -]?\d{4}\b|\b\d{6}[ -]\d{4}\b/g,
    "A 10-digit number looks like a CHI or NHS number."],
  // With or without a year: 01/02/1990, 14/03, 14th March 2024, Tuesday 14 March, March 14th (not 2.15: activity ids).
  ["date", new RegExp([
    "\\b\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})\\b",
    `\\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,? )?\\d{1,2}(?:st|nd|rd|th)?(?: of)? (?:${MONTHS})\\b(?:,? (?:19|20)\\d{2}\\b)?`,
    `\\b(?:${MONTHS}) \\d{1,2}(?:st|nd|rd|th)?\\b(?:,? (?:19|20)\\d{2}\\b)?`,
    "\\b\\d{1,2}/\\d{1,2}\\b",
    "\\b(?:d\\.?o\\.?b\\.?|date of birth|born on)\\b",
  ].join("|"), "gi"), "A date (or the words date of birth) could identify someone."],
  ["bed or room", /\b(?:bed|room|bay)\s*(?:no\.?|number)?\s*\d+[a-z]?\b/gi,
    "A bed, bay or room number points to one person."],
  ["name with a title", /\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][A-Za-z'’-]+/g,
    "A title and surname names a person; use a role or an initial instead."],
  ["postcode", /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/g, "A postcode could identify where someone lives."],
  ["phone number", /(?:\+44\s?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b/g, "A phone number could identify someone."],
];

/** Return [{kind, text, why}] for every likely identifier in `text`, in order of appearance. */
export function findIdentifiers(text) {
  const found = [];
  for (const [kind, pattern, why] of CHECKS) {
    for (const match of text.matchAll(pattern)) found.push({ kind, text: match[0], why, at: match.index });
  }
  found.sort((a, b) => a.at - b.at);
  return found.filter((f, i) => !found.slice(0, i).some((g) => g.at <= f.at && f.at < g.at + g.text.length));
}
