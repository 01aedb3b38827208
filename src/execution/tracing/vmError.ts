import { EVMError } from '@ethereumjs/evm'

/**
 * Translation of ethereumjs' EVM errors into the strings geth reports (core/vm/errors.go),
 * and decoding of revert data the way geth's `abi.UnpackRevert` does. Tracers and the
 * `execution reverted` RPC error both need these, so they live apart from any one tracer.
 */

/** What a tracer knows about the opcode a frame halted on (from the `step` event). */
export interface HaltingOp {
  /** The opcode byte. */
  code: number
  /** ethereumjs' name for it (`PUSH1`, `INVALID`, ...). */
  name: string
  /** Stack height before the opcode ran. */
  stackLength: number
}

/** Context for {@link toGethVmError}; every field is optional and only refines the text. */
export interface VmErrorContext {
  /** The opcode the frame halted on, when a `step` listener saw it. */
  haltingOp?: HaltingOp
  /** The frame ran a precompile (some ethereumjs codes mean something else there). */
  precompile?: boolean
  /** The frame's input (to tell blake2f's two `value out of range` causes apart). */
  input?: Uint8Array
  /**
   * The halting opcode was a RETURNDATACOPY past the return data that had the gas to
   * run: ethereumjs reports that as out of gas, geth as `return data out of bounds`.
   */
  returnDataOutOfBounds?: boolean
}

const M = EVMError.errorMessages

const FIXED: ReadonlyMap<string, string> = new Map([
  [M.OUT_OF_GAS, 'out of gas'],
  [M.CODESTORE_OUT_OF_GAS, 'contract creation code storage out of gas'],
  [M.CODESIZE_EXCEEDS_MAXIMUM, 'max code size exceeded'],
  [M.INVALID_JUMP, 'invalid jump destination'],
  [M.REVERT, 'execution reverted'],
  [M.STATIC_STATE_CHANGE, 'write protection'],
  [M.CREATE_COLLISION, 'contract address collision'],
  [M.INSUFFICIENT_BALANCE, 'insufficient balance for transfer'],
  [M.INVALID_BYTECODE_RESULT, 'invalid code: must not begin with 0xef'],
  [M.INITCODE_SIZE_VIOLATION, 'max initcode size exceeded'],
])

/** Stack limit of the EVM (geth params.StackLimit). */
const STACK_LIMIT = 1024

/** blake2f's only valid input length (EIP-152). */
const BLAKE2F_INPUT_LENGTH = 213

/**
 * geth's error string for an ethereumjs EVM error. Unknown errors (precompile-specific
 * ones, ethereumjs-only conditions) keep ethereumjs' own text.
 */
export function toGethVmError(error: EVMError, context: VmErrorContext = {}): string {
  // ethereumjs appends the location to an invalid jump's message
  const kind = error.error.startsWith(M.INVALID_JUMP) ? M.INVALID_JUMP : error.error
  if (kind === M.OUT_OF_GAS && context.returnDataOutOfBounds === true) return 'return data out of bounds'
  const fixed = FIXED.get(kind)
  if (fixed !== undefined) return fixed
  const op = context.haltingOp
  switch (kind) {
    case M.INVALID_OPCODE:
      return op ? `invalid opcode: ${gethOpName(op)}` : 'invalid opcode'
    case M.STACK_UNDERFLOW: {
      const io = op ? stackIo(op.code) : undefined
      return op && io ? `stack underflow (${op.stackLength} <=> ${io.pops})` : 'stack underflow'
    }
    case M.STACK_OVERFLOW: {
      const io = op ? stackIo(op.code) : undefined
      return op && io
        ? `stack limit reached ${op.stackLength} (${STACK_LIMIT + io.pops - io.pushes})`
        : 'stack overflow'
    }
    case M.OUT_OF_RANGE:
      // outside precompiles only EXP reports it, for an exponent that cannot occur
      if (!context.precompile) return error.error
      // blake2f is the one precompile reporting OUT_OF_RANGE, for two reasons
      return context.input !== undefined && context.input.length !== BLAKE2F_INPUT_LENGTH
        ? 'invalid input length'
        : 'invalid final flag'
    default:
      return error.error
  }
}

/** geth's `OpCode.String()` for an opcode it reports as invalid. */
function gethOpName(op: HaltingOp): string {
  if (op.code === 0xfe) return 'INVALID'
  if (op.name !== 'INVALID' && op.name !== '') return op.name
  return `opcode 0x${op.code.toString(16)} not defined`
}

/** Items an opcode pops and pushes (geth's minStack / maxStack derive from these). */
function stackIo(code: number): { pops: number; pushes: number } | undefined {
  if (code >= 0x60 && code <= 0x7f) return { pops: 0, pushes: 1 } // PUSH1..PUSH32
  if (code >= 0x80 && code <= 0x8f) return { pops: code - 0x7f, pushes: code - 0x7e } // DUPn
  if (code >= 0x90 && code <= 0x9f) return { pops: code - 0x8e, pushes: code - 0x8e } // SWAPn
  if (code >= 0xa0 && code <= 0xa4) return { pops: code - 0x9e, pushes: 0 } // LOGn
  const io = STACK_IO.get(code)
  return io === undefined ? undefined : { pops: io[0], pushes: io[1] }
}

// prettier-ignore
const STACK_IO: ReadonlyMap<number, readonly [number, number]> = new Map<number, readonly [number, number]>([
  [0x00, [0, 0]], [0x01, [2, 1]], [0x02, [2, 1]], [0x03, [2, 1]], [0x04, [2, 1]], [0x05, [2, 1]],
  [0x06, [2, 1]], [0x07, [2, 1]], [0x08, [3, 1]], [0x09, [3, 1]], [0x0a, [2, 1]], [0x0b, [2, 1]],
  [0x10, [2, 1]], [0x11, [2, 1]], [0x12, [2, 1]], [0x13, [2, 1]], [0x14, [2, 1]], [0x15, [1, 1]],
  [0x16, [2, 1]], [0x17, [2, 1]], [0x18, [2, 1]], [0x19, [1, 1]], [0x1a, [2, 1]], [0x1b, [2, 1]],
  [0x1c, [2, 1]], [0x1d, [2, 1]], [0x1e, [1, 1]], [0x20, [2, 1]],
  [0x30, [0, 1]], [0x31, [1, 1]], [0x32, [0, 1]], [0x33, [0, 1]], [0x34, [0, 1]], [0x35, [1, 1]],
  [0x36, [0, 1]], [0x37, [3, 0]], [0x38, [0, 1]], [0x39, [3, 0]], [0x3a, [0, 1]], [0x3b, [1, 1]],
  [0x3c, [4, 0]], [0x3d, [0, 1]], [0x3e, [3, 0]], [0x3f, [1, 1]],
  [0x40, [1, 1]], [0x41, [0, 1]], [0x42, [0, 1]], [0x43, [0, 1]], [0x44, [0, 1]], [0x45, [0, 1]],
  [0x46, [0, 1]], [0x47, [0, 1]], [0x48, [0, 1]], [0x49, [1, 1]], [0x4a, [0, 1]],
  [0x50, [1, 0]], [0x51, [1, 1]], [0x52, [2, 0]], [0x53, [2, 0]], [0x54, [1, 1]], [0x55, [2, 0]],
  [0x56, [1, 0]], [0x57, [2, 0]], [0x58, [0, 1]], [0x59, [0, 1]], [0x5a, [0, 1]], [0x5b, [0, 0]],
  [0x5c, [1, 1]], [0x5d, [2, 0]], [0x5e, [3, 0]], [0x5f, [0, 1]],
  [0xf0, [3, 1]], [0xf1, [7, 1]], [0xf2, [7, 1]], [0xf3, [2, 0]], [0xf4, [6, 1]], [0xf5, [4, 1]],
  [0xfa, [6, 1]], [0xfd, [2, 0]], [0xff, [1, 0]],
])

const ERROR_SELECTOR = 0x08c379a0 // Error(string)
const PANIC_SELECTOR = 0x4e487b71 // Panic(uint256)

/** Solidity's panic codes, worded as geth words them (accounts/abi/abi.go). */
const PANIC_REASONS: ReadonlyMap<bigint, string> = new Map([
  [0x00n, 'generic panic'],
  [0x01n, 'assert(false)'],
  [0x11n, 'arithmetic underflow or overflow'],
  [0x12n, 'division or modulo by zero'],
  [0x21n, 'enum overflow'],
  [0x22n, 'invalid encoded storage byte array accessed'],
  [0x31n, 'out-of-bounds array access; popping on an empty array'],
  [0x32n, 'out-of-bounds access of an array or bytesN'],
  [0x41n, 'out of memory'],
  [0x51n, 'uninitialized function'],
])

const utf8 = new TextDecoder('utf-8', { fatal: false })

/**
 * The human-readable reason in revert data: the string of `Error(string)`, or the
 * wording of a `Panic(uint256)` code; `undefined` when the data is neither (or is
 * malformed), as geth's `abi.UnpackRevert` fails then.
 */
export function decodeRevertReason(data: Uint8Array): string | undefined {
  if (data.length < 4) return undefined
  const selector = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0
  const body = data.subarray(4)
  if (selector === ERROR_SELECTOR) {
    if (body.length < 32) return undefined
    const offsetEnd = word(body, 0) + 32n
    if (offsetEnd > BigInt(body.length)) return undefined
    const end = offsetEnd + word(body, Number(offsetEnd) - 32)
    if (end > BigInt(body.length)) return undefined
    return utf8.decode(body.subarray(Number(offsetEnd), Number(end)))
  }
  if (selector === PANIC_SELECTOR) {
    if (body.length < 32) return undefined
    const code = word(body, 0)
    return PANIC_REASONS.get(code) ?? `unknown panic code: 0x${code.toString(16)}`
  }
  return undefined
}

function word(bytes: Uint8Array, at: number): bigint {
  let v = 0n
  for (let i = at; i < at + 32; i++) v = (v << 8n) | BigInt(bytes[i]!)
  return v
}
