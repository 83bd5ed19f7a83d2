/**
 * A reader for protobuf text format as Triton's config.pbtxt uses it (fields, nested messages,
 * lists, strings, numbers, enum names), so tests check the written file as Triton would parse it.
 * Every field maps to a list of its values (text format repeats a field to add to it).
 */
export type PbValue = string | number | PbMessage;
export type PbMessage = { [field: string]: PbValue[] };

export function parsePbtxt(text: string): PbMessage {
  const tokens = text.replace(/#[^\n]*/g, '').match(/"(?:[^"\\]|\\.)*"|[{}[\]:,]|[^\s{}[\]:,"]+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    if (at >= tokens.length) throw new Error('config.pbtxt ends too early');
    return tokens[at++];
  };
  const scalar = (t: string): PbValue => (t.startsWith('"') ? JSON.parse(t) : /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t) ? Number(t) : t);
  const value = (): PbValue[] => {
    const t = next();
    if (t === '{') return [message('}')];
    if (t === '[') {
      const items: PbValue[] = [];
      while (peek() !== ']') {
        items.push(...value());
        if (peek() === ',') next();
      }
      next();
      return items;
    }
    return [scalar(t)];
  };
  const message = (end: string | null): PbMessage => {
    const out: PbMessage = {};
    while (at < tokens.length && peek() !== end) {
      const name = next();
      if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`expected a field name, got ${name}`);
      if (peek() === ':') next();
      out[name] ??= [];
      out[name].push(...value());
      if (peek() === ',') next();
    }
    if (end) next();
    return out;
  };
  return message(null);
}
