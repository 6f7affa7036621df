/** A form field's text as a number when it is a whole one ("-1" included), else the text itself: the server's 422
 * then says what is wrong with it, in its own words and on its own path. */
export const wholeOrText = (text) => (/^-?\d+$/.test(text.trim()) ? Number(text) : text);
