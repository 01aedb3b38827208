/** A child of `h`: a node, text, or nothing (skipped), or a list of those. */
export type Child = Node | string | number | bigint | null | undefined | false | Child[]

type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>

/**
 * Creates an element: `h('a.link', { href }, 'text', child)`. Classes follow the tag after
 * dots; `on*` attributes are event listeners; false/undefined attributes are left out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(spec: K | `${K}.${string}`, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const [tag, ...classes] = spec.split('.') as [K, ...string[]]
  const el = document.createElement(tag)
  if (classes.length) el.className = classes.join(' ')
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === false) continue
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v)
    else if (k === 'class') el.className = [el.className, v].filter(Boolean).join(' ')
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    if (Array.isArray(c)) append(el, c)
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)))
  }
}

/** Replaces every child of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, children)
}
