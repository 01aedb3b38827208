/**
 * ethereumjs analyses a contract's jump destinations (and pre-decodes its PUSH values and
 * opcodes) on every call into it: ~200 µs for a 4 KB ERC-20, 13% of an ERC-20 transfer.
 * The result depends only on the code and the EVM's opcode table, so it is memoized here
 * per (opcode table, code object). ethereumjs keeps no such cache and does not export its
 * Interpreter, so the method is wrapped on the prototype of the module ethereumjs itself
 * loads (see ARCHITECTURE.md, known warts). Nothing in the analysis result is mutated by
 * the interpreter, so sharing it is safe.
 */
type Analysis = { jumps: Uint8Array; pushes: Record<number, bigint>; opcodesCached: unknown[] }
type InterpreterLike = { _evm: { _opcodeMap: object }; _getValidJumpDestinations(code: Uint8Array): Analysis }

let installed = false

export async function installJumpdestCache(): Promise<void> {
  if (installed) return
  const url = new URL('./interpreter.js', import.meta.resolve('@ethereumjs/evm'))
  const mod = (await import(url.href)) as { Interpreter?: { prototype: InterpreterLike } }
  const proto = mod.Interpreter?.prototype
  if (!proto || typeof proto._getValidJumpDestinations !== 'function') {
    throw new Error('ethereumjs Interpreter._getValidJumpDestinations not found: update jumpdestCache.ts')
  }
  const analyse = proto._getValidJumpDestinations
  const byTable = new WeakMap<object, WeakMap<Uint8Array, Analysis>>()
  proto._getValidJumpDestinations = function (this: InterpreterLike, code: Uint8Array): Analysis {
    const table = this._evm._opcodeMap
    let byCode = byTable.get(table)
    if (!byCode) byTable.set(table, (byCode = new WeakMap()))
    let result = byCode.get(code)
    if (!result) {
      result = analyse.call(this, code)
      byCode.set(code, result)
    }
    return result
  }
  installed = true
}
