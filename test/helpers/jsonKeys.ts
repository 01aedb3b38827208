/**
 * The keys that occur more than once in one object of the JSON text `line`, at any depth
 * (`a.b` for a key `b` repeated inside the object under `a`). JSON.parse keeps the last of
 * duplicated keys and hides the rest, so log lines are checked on their raw text.
 * Throws on text that is not JSON.
 */
export function duplicatedKeys(line: string): string[] {
  const dups: string[] = []
  let i = 0
  const ws = () => {
    while (i < line.length && ' \t\r\n'.includes(line[i]!)) i++
  }
  const fail = (what: string): never => {
    throw new SyntaxError(`not JSON at ${i}: ${what}`)
  }
  const str = (): string => {
    if (line[i] !== '"') fail('expected a string')
    const start = i++
    while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1
    if (i >= line.length) fail('unterminated string')
    i++
    return JSON.parse(line.slice(start, i)) as string
  }
  const value = (where: string): void => {
    ws()
    const c = line[i]
    if (c === '{') {
      i++
      const seen = new Set<string>()
      ws()
      if (line[i] === '}') return void i++
      for (;;) {
        ws()
        const key = str()
        if (seen.has(key)) dups.push(where ? `${where}.${key}` : key)
        seen.add(key)
        ws()
        if (line[i++] !== ':') fail('expected :')
        value(where ? `${where}.${key}` : key)
        ws()
        const next = line[i++]
        if (next === '}') return
        if (next !== ',') fail('expected , or }')
      }
    } else if (c === '[') {
      i++
      ws()
      if (line[i] === ']') return void i++
      for (let n = 0; ; n++) {
        value(`${where}[${n}]`)
        ws()
        const next = line[i++]
        if (next === ']') return
        if (next !== ',') fail('expected , or ]')
      }
    } else if (c === '"') {
      str()
    } else {
      const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(line.slice(i))
      if (!m) fail('expected a value')
      i += m![0].length
    }
  }
  value('')
  ws()
  if (i !== line.length) fail('trailing text')
  return dups
}
