import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { createBlock, type Block } from '@ethereumjs/block'
import { Common, Hardfork, Mainnet, createCustomCommon } from '@ethereumjs/common'
import { createFeeMarket1559Tx, createTx, type TypedTransaction } from '@ethereumjs/tx'
import {
  Address,
  createAccount,
  createAddressFromPrivateKey,
  createAddressFromString,
  generateAddress,
  generateAddress2,
} from '@ethereumjs/util'
import { createVM, runTx, type VM } from '@ethereumjs/vm'
import { encodeAbiParameters, encodeErrorResult, encodeFunctionData, keccak256 as viemKeccak, parseAbi, toHex } from 'viem'
import { bigIntToBytes, hexToBytes, toData, toQuantity, type Hex } from '../../primitives/hex.js'
import {
  createCallTracer,
  decodeRevertReason,
  traceCall,
  traceTransaction,
  type CallFrame,
  type CallTracerConfig,
} from './index.js'

// ---------------------------------------------------------------------------------
// A tiny assembler, so that every contract below is readable and its gas countable.

const OPCODES: Record<string, number> = {
  STOP: 0x00, ADD: 0x01, SUB: 0x03, CALLVALUE: 0x34, CALLDATALOAD: 0x35, CALLDATASIZE: 0x36,
  CALLDATACOPY: 0x37, CODECOPY: 0x39, RETURNDATASIZE: 0x3d, RETURNDATACOPY: 0x3e, POP: 0x50, MLOAD: 0x51,
  MSTORE: 0x52, MSTORE8: 0x53, JUMP: 0x56, GAS: 0x5a, JUMPDEST: 0x5b, PUSH0: 0x5f,
  LOG0: 0xa0, LOG1: 0xa1, LOG2: 0xa2, CREATE: 0xf0, CALL: 0xf1, CALLCODE: 0xf2, RETURN: 0xf3,
  DELEGATECALL: 0xf4, CREATE2: 0xf5, STATICCALL: 0xfa, REVERT: 0xfd, INVALID: 0xfe, SELFDESTRUCT: 0xff,
}

/** `asm('PUSH1 0x20', 'PUSH20 0xabc…', 'CALL')`: PUSHn takes one hex or decimal immediate. */
function asm(...lines: string[]): Uint8Array {
  const out: number[] = []
  for (const line of lines) {
    const [mnemonic, arg] = line.trim().split(/\s+/) as [string, string | undefined]
    const push = /^PUSH(\d+)$/.exec(mnemonic)
    if (push && push[1] !== '0') {
      const n = Number(push[1])
      out.push(0x5f + n, ...bigIntToBytes(BigInt(arg!), n))
      continue
    }
    const code = OPCODES[mnemonic] ?? (/^0x[0-9a-f]{2}$/.test(mnemonic) ? Number(mnemonic) : undefined)
    if (code === undefined) throw new Error(`unknown mnemonic ${mnemonic}`)
    out.push(code)
  }
  return Uint8Array.from(out)
}

type CallArgs = { gas?: bigint; value?: bigint; argsOff?: number; argsLen?: number; retOff?: number; retLen?: number }

/** Pushes the arguments of CALL/CALLCODE (7, with value) or DELEGATECALL/STATICCALL (6), then the op. */
function callOp(op: 'CALL' | 'CALLCODE' | 'DELEGATECALL' | 'STATICCALL', to: Address, a: CallArgs): string[] {
  return [
    `PUSH1 ${a.retLen ?? 0}`,
    `PUSH1 ${a.retOff ?? 0}`,
    `PUSH1 ${a.argsLen ?? 0}`,
    `PUSH1 ${a.argsOff ?? 0}`,
    ...(op === 'CALL' || op === 'CALLCODE' ? [`PUSH1 ${a.value ?? 0n}`] : []),
    `PUSH20 ${to.toString()}`,
    a.gas === undefined ? 'GAS' : `PUSH3 ${a.gas}`,
    op,
  ]
}

/** Code that returns `word + 1` for a 32-byte calldata `word`; costs exactly 27 gas. */
const INCREMENT = asm('PUSH1 0', 'CALLDATALOAD', 'PUSH1 1', 'ADD', 'PUSH1 0', 'MSTORE', 'PUSH1 32', 'PUSH1 0', 'RETURN')
const INCREMENT_GAS = 27n

// ---------------------------------------------------------------------------------
// The chain: an Osaka custom chain, one funded sender, contracts placed in state.

const SENDER_KEY = hexToBytes('0x' + '42'.repeat(32))
const SENDER = createAddressFromPrivateKey(SENDER_KEY)
const SENDER_HEX = SENDER.toString() as Hex
const FUNDS = 10n ** 21n

function makeCommon(): Common {
  return createCustomCommon({ chainId: 901 }, Mainnet, { hardfork: Hardfork.Osaka })
}

/** Contract addresses 0xc0de00…0n. */
function addr(n: number): Address {
  return createAddressFromString('0xc0de' + n.toString(16).padStart(36, '0'))
}

interface Contract {
  address: Address
  code: Uint8Array
  balance?: bigint
}

async function makeVm(contracts: Contract[]): Promise<{ vm: VM; block: Block; common: Common }> {
  const common = makeCommon()
  const vm = await createVM({ common })
  await vm.stateManager.putAccount(SENDER, createAccount({ nonce: 0n, balance: FUNDS }))
  for (const c of contracts) {
    await vm.stateManager.putAccount(c.address, createAccount({ nonce: 1n, balance: c.balance ?? 0n }))
    await vm.stateManager.putCode(c.address, c.code)
  }
  const block = createBlock(
    { header: { number: 1n, gasLimit: 30_000_000n, baseFeePerGas: 7n, timestamp: 1_700_000_000n, coinbase: addr(0xbeef) } },
    { common },
  )
  return { vm, block, common }
}

interface TxFields {
  to?: Address
  data?: Uint8Array
  value?: bigint
  gasLimit?: bigint
  nonce?: bigint
}

function signedTx(common: Common, f: TxFields): TypedTransaction {
  return createFeeMarket1559Tx(
    {
      nonce: f.nonce ?? 0n,
      to: f.to,
      data: f.data ?? new Uint8Array(0),
      value: f.value ?? 0n,
      gasLimit: f.gasLimit ?? 1_000_000n,
      maxFeePerGas: 100n,
      maxPriorityFeePerGas: 1n,
    },
    { common },
  ).sign(SENDER_KEY)
}

/**
 * Traces `f` on a fresh chain with `contracts`, and runs the same transaction untraced on
 * another fresh chain: the trace's top gasUsed must be that run's gas, and tracing must not
 * change the outcome.
 */
async function trace(contracts: Contract[], f: TxFields, config: CallTracerConfig = {}): Promise<CallFrame> {
  const plain = await makeVm(contracts)
  const expected = await runTx(plain.vm, { tx: signedTx(plain.common, f), block: plain.block, skipHardForkValidation: true })
  const traced = await makeVm(contracts)
  const frame = await traceTransaction(traced.vm, signedTx(traced.common, f), traced.block, config)
  assert.equal(frame.gasUsed, toQuantity(expected.totalGasSpent), 'top gasUsed is the receipt gas')
  assert.equal(frame.gas, toQuantity(f.gasLimit ?? 1_000_000n), 'top gas is the tx gas limit')
  return frame
}

function word(n: bigint): Uint8Array {
  return bigIntToBytes(n, 32)
}

const hex = (a: Address): Hex => a.toString() as Hex
const INTRINSIC = 21_000n
const COLD_ACCOUNT = 2_600n

/** Gas a CALL hands its callee when it forwards everything: all but 1/64 of what is left. */
function allBut64th(available: bigint): bigint {
  return available - available / 64n
}

// ---------------------------------------------------------------------------------

describe('callTracer', () => {
  it('reports a plain ETH transfer as one CALL frame without calls', async () => {
    const to = createAddressFromString('0x' + 'ab'.repeat(20))
    const frame = await trace([], { to, value: 12345n, gasLimit: 21_000n })
    assert.deepEqual(frame, {
      from: SENDER_HEX,
      gas: '0x5208',
      gasUsed: '0x5208',
      to: hex(to),
      input: '0x',
      value: toQuantity(12345n),
      type: 'CALL',
    })
  })

  it('nests a CALL with its from/to/input/output/gas/gasUsed', async () => {
    const callee = addr(1)
    // mem[0..32] = 7; CALL callee(all gas, in=mem[0..32], out=mem[0..32]); return mem[0..32]
    const caller = addr(2)
    const callerCode = asm(
      'PUSH1 7', 'PUSH1 0', 'MSTORE',
      ...callOp('CALL', callee, { argsLen: 32, retLen: 32 }),
      'POP', 'PUSH1 32', 'PUSH1 0', 'RETURN',
    )
    const gasLimit = 100_000n
    const contracts = [{ address: callee, code: INCREMENT }, { address: caller, code: callerCode }]
    const frame = await trace(contracts, { to: caller, gasLimit })

    // before CALL: PUSH1 PUSH1 MSTORE(3+3 memory) 5xPUSH1 PUSH20 GAS = 3+3+6+15+3+2
    const gasAfterGasOp = gasLimit - INTRINSIC - 32n
    const innerGas = allBut64th(gasAfterGasOp - COLD_ACCOUNT)
    assert.deepEqual(frame, {
      from: SENDER_HEX,
      gas: toQuantity(gasLimit),
      // 32 before the CALL, the cold access, the callee, then POP PUSH1 PUSH1 RETURN
      gasUsed: toQuantity(INTRINSIC + 32n + COLD_ACCOUNT + INCREMENT_GAS + 8n),
      to: hex(caller),
      input: '0x',
      output: toData(word(8n)),
      calls: [
        {
          from: hex(caller),
          gas: toQuantity(innerGas),
          gasUsed: toQuantity(INCREMENT_GAS),
          to: hex(callee),
          input: toData(word(7n)),
          output: toData(word(8n)),
          value: '0x0',
          type: 'CALL',
        },
      ],
      value: '0x0',
      type: 'CALL',
    })
  })

  it('types DELEGATECALL, CALLCODE and STATICCALL frames like geth', async () => {
    const callee = addr(1)
    const proxy = addr(2)
    const code = asm(
      ...callOp('DELEGATECALL', callee, { gas: 5000n, argsLen: 32 }), 'POP',
      ...callOp('CALLCODE', callee, { gas: 5000n, argsLen: 32 }), 'POP',
      ...callOp('STATICCALL', callee, { gas: 5000n, argsLen: 32 }), 'POP',
      'STOP',
    )
    const frame = await trace([{ address: callee, code: INCREMENT }, { address: proxy, code }], { to: proxy, value: 5n })
    const calls = frame.calls!
    assert.deepEqual(
      calls.map((c) => [c.type, c.from, c.to, c.gas, c.gasUsed, c.value]),
      [
        // the DELEGATECALL frame carries the value of the frame it runs in (geth >= 1.14)
        ['DELEGATECALL', hex(proxy), hex(callee), toQuantity(5000n), toQuantity(INCREMENT_GAS), '0x5'],
        ['CALLCODE', hex(proxy), hex(callee), toQuantity(5000n), toQuantity(INCREMENT_GAS), '0x0'],
        ['STATICCALL', hex(proxy), hex(callee), toQuantity(5000n), toQuantity(INCREMENT_GAS), undefined],
      ],
    )
    assert.ok(!('value' in calls[2]!), 'a STATICCALL frame has no value key')
    for (const c of calls) assert.equal(c.output, toData(word(1n)))
  })

  it('keeps a CALL made inside a static frame a CALL, and keeps precompile frames', async () => {
    const callee = addr(1)
    const inner = addr(2) // CALLs the callee (zero value) and the identity precompile
    const outer = addr(3) // STATICCALLs inner
    const identity = createAddressFromString('0x0000000000000000000000000000000000000004')
    const innerCode = asm(
      ...callOp('CALL', callee, { gas: 3000n }), 'POP',
      'PUSH1 0x99', 'PUSH1 0', 'MSTORE',
      ...callOp('CALL', identity, { gas: 3000n, argsLen: 32, retOff: 32, retLen: 32 }), 'POP',
      'STOP',
    )
    const outerCode = asm(...callOp('STATICCALL', inner, { gas: 50_000n }), 'POP', 'STOP')
    const frame = await trace(
      [{ address: callee, code: INCREMENT }, { address: inner, code: innerCode }, { address: outer, code: outerCode }],
      { to: outer },
    )
    const staticFrame = frame.calls![0]!
    assert.equal(staticFrame.type, 'STATICCALL')
    const [plainCall, precompileCall] = staticFrame.calls!
    assert.equal(plainCall!.type, 'CALL')
    assert.equal(plainCall!.to, hex(callee))
    assert.equal(plainCall!.value, '0x0')
    assert.deepEqual(precompileCall, {
      from: hex(inner),
      gas: toQuantity(3000n),
      gasUsed: toQuantity(18n), // identity: 15 + 3 per word
      to: hex(identity),
      input: toData(word(0x99n)),
      output: toData(word(0x99n)),
      value: '0x0',
      type: 'CALL',
    })
  })

  it('reports CREATE and CREATE2 frames with the created address as `to`', async () => {
    // init code: deploy the one-byte runtime 0x00
    const init = asm('PUSH1 0', 'PUSH1 0', 'MSTORE8', 'PUSH1 1', 'PUSH1 0', 'RETURN')
    assert.equal(init.length, 10)
    const factory = addr(7)
    const salt = 0x42n
    const code = asm(
      `PUSH10 ${toData(init)}`, 'PUSH1 0', 'MSTORE', // init code at mem[22..32]
      'PUSH1 10', 'PUSH1 22', 'PUSH1 0', 'CREATE', 'POP',
      `PUSH1 ${salt}`, 'PUSH1 10', 'PUSH1 22', 'PUSH1 3', 'CREATE2', 'POP',
      'STOP',
    )
    const frame = await trace([{ address: factory, code, balance: 10n }], { to: factory })
    const created1 = toData(generateAddress(factory.bytes, bigIntToBytes(1n)))
    const created2 = toData(generateAddress2(factory.bytes, word(salt), init))
    const [c1, c2] = frame.calls!
    assert.deepEqual(
      [c1!.type, c1!.from, c1!.to, c1!.input, c1!.output, c1!.value],
      ['CREATE', hex(factory), created1, toData(init), '0x00', '0x0'],
    )
    assert.deepEqual(
      [c2!.type, c2!.from, c2!.to, c2!.input, c2!.output, c2!.value],
      ['CREATE2', hex(factory), created2, toData(init), '0x00', '0x3'],
    )
    // init code: 3+3+3(+3 memory)+3+3 = 18, code deposit 200 per byte
    assert.equal(c1!.gasUsed, toQuantity(18n + 200n))
  })

  it('leaves `to` out of a CREATE that failed, as geth does', async () => {
    const init = asm('PUSH1 0', 'PUSH1 0', 'REVERT')
    const factory = addr(7)
    const code = asm(`PUSH5 ${toData(init)}`, 'PUSH1 0', 'MSTORE', 'PUSH1 5', 'PUSH1 27', 'PUSH1 0', 'CREATE', 'POP', 'STOP')
    const frame = await trace([{ address: factory, code }], { to: factory })
    assert.deepEqual(
      frame.calls!.map((c) => [c.type, c.error, 'to' in c, c.input]),
      [['CREATE', 'execution reverted', false, toData(init)]],
    )

    const top = await trace([], { data: init })
    assert.equal(top.type, 'CREATE')
    assert.equal(top.error, 'execution reverted')
    assert.ok(!('to' in top))
  })

  it('reports a contract-creating transaction as a top-level CREATE', async () => {
    const runtime = asm('PUSH1 1', 'STOP')
    // copy the 3 runtime bytes that follow this 12-byte prefix to memory, and return them
    const prefix = asm('PUSH1 3', 'PUSH1 12', 'PUSH1 0', 'CODECOPY', 'PUSH1 3', 'PUSH1 0', 'RETURN')
    assert.equal(prefix.length, 12)
    const initcode = Uint8Array.from([...prefix, ...runtime])
    const frame = await trace([], { data: initcode, value: 9n })
    assert.equal(frame.type, 'CREATE')
    assert.equal(frame.to, toData(generateAddress(SENDER.bytes, bigIntToBytes(0n))))
    assert.equal(frame.input, toData(initcode))
    assert.equal(frame.output, toData(runtime))
    assert.equal(frame.value, '0x9')
    assert.equal(frame.calls, undefined)
  })

  it('gives a reverted call `execution reverted`, its output and the decoded reason', async () => {
    const reason = 'not enough widgets'
    const revertData = hexToBytes(encodeErrorResult({ abi: parseAbi(['error Error(string)']), errorName: 'Error', args: [reason] }))
    const reverter = addr(1)
    // store the revert data 32 bytes at a time, then REVERT with it
    const stores: string[] = []
    for (let i = 0; i < revertData.length; i += 32) {
      const chunk = new Uint8Array(32)
      chunk.set(revertData.subarray(i, i + 32))
      stores.push(`PUSH32 ${toData(chunk)}`, `PUSH2 ${i}`, 'MSTORE')
    }
    const reverterCode = asm(...stores, `PUSH2 ${revertData.length}`, 'PUSH1 0', 'REVERT')
    const caller = addr(2)
    const callerCode = asm(...callOp('CALL', reverter, { gas: 50_000n }), 'POP', 'STOP')
    const contracts = [{ address: reverter, code: reverterCode }, { address: caller, code: callerCode }]

    const nested = await trace(contracts, { to: caller })
    assert.equal(nested.error, undefined, 'the caller survives the inner revert')
    const inner = nested.calls![0]!
    assert.equal(inner.error, 'execution reverted')
    assert.equal(inner.revertReason, reason)
    assert.equal(inner.output, toData(revertData))
    assert.ok(BigInt(inner.gasUsed) < 50_000n, 'a revert returns its unused gas')

    const top = await trace(contracts, { to: reverter })
    assert.equal(top.error, 'execution reverted')
    assert.equal(top.revertReason, reason)
    assert.equal(top.output, toData(revertData))
  })

  it('reports an inner call that runs out of gas, and the outer call carrying on', async () => {
    const looper = addr(1)
    const loopCode = asm('JUMPDEST', 'PUSH1 0', 'JUMP')
    const caller = addr(2)
    const callerCode = asm(...callOp('CALL', looper, { gas: 1000n }), 'POP', 'STOP')
    const frame = await trace([{ address: looper, code: loopCode }, { address: caller, code: callerCode }], { to: caller })
    assert.equal(frame.error, undefined)
    assert.deepEqual(frame.calls, [
      { from: hex(caller), gas: '0x3e8', gasUsed: '0x3e8', to: hex(looper), input: '0x', error: 'out of gas', value: '0x0', type: 'CALL' },
    ])
  })

  it('words halting errors as geth does', async () => {
    const cases: [code: Uint8Array, error: string][] = [
      [asm('INVALID'), 'invalid opcode: INVALID'],
      [asm('0x0c'), 'invalid opcode: opcode 0xc not defined'],
      [asm('PUSH1 1', 'ADD'), 'stack underflow (1 <=> 2)'],
      [asm('PUSH1 0', 'JUMP'), 'invalid jump destination'], // ethereumjs appends the location
      [asm('PUSH1 0', 'PUSH1 0', 'LOG0'), 'write protection'], // reached through STATICCALL below
      // ethereumjs fails this as out of gas
      [asm('PUSH1 1', 'PUSH1 0', 'PUSH1 0', 'RETURNDATACOPY'), 'return data out of bounds'],
      [asm('JUMPDEST', 'PUSH1 0', 'JUMP'), 'out of gas'],
    ]
    const caller = addr(99)
    const callerCode = asm(
      ...cases.flatMap((_, i) => [...callOp(i === 4 ? 'STATICCALL' : 'CALL', addr(i), { gas: 1000n }), 'POP']),
      'STOP',
    )
    const contracts = [...cases.map(([code], i) => ({ address: addr(i), code })), { address: caller, code: callerCode }]
    const frame = await trace(contracts, { to: caller })
    assert.deepEqual(
      frame.calls!.map((c) => [c.error, c.gasUsed, c.output]),
      cases.map(([, error]) => [error, '0x3e8', undefined]),
    )
  })

  it('tells an in-bounds RETURNDATACOPY from one past the return data', async () => {
    const callee = addr(1)
    const copier = addr(2) // copies the 32 returned bytes, then 33
    const code = asm(
      ...callOp('CALL', callee, { gas: 1000n }), 'POP',
      'PUSH1 32', 'PUSH1 0', 'PUSH1 0', 'RETURNDATACOPY',
      'PUSH1 33', 'PUSH1 0', 'PUSH1 0', 'RETURNDATACOPY',
    )
    const frame = await trace([{ address: callee, code: INCREMENT }, { address: copier, code }], { to: copier })
    assert.equal(frame.error, 'return data out of bounds')
    assert.equal(frame.calls![0]!.error, undefined)
  })

  it('reports a SELFDESTRUCT as a frame moving the balance', async () => {
    const doomed = addr(1)
    const heir = createAddressFromString('0x' + 'be'.repeat(20))
    const frame = await trace([{ address: doomed, code: asm(`PUSH20 ${heir.toString()}`, 'SELFDESTRUCT'), balance: 777n }], {
      to: doomed,
      value: 3n,
    })
    assert.deepEqual(frame.calls, [
      { from: hex(doomed), gas: '0x0', gasUsed: '0x0', to: hex(heir), input: '0x', value: toQuantity(780n), type: 'SELFDESTRUCT' },
    ])
  })

  it('reports a value call the caller cannot afford as a failed frame that used no gas', async () => {
    const callee = addr(1)
    const broke = addr(2)
    const code = asm(...callOp('CALL', callee, { gas: 10_000n, value: 1n, argsLen: 4 }), 'POP', 'STOP')
    const frame = await trace([{ address: callee, code: INCREMENT }, { address: broke, code }], { to: broke })
    assert.deepEqual(frame.calls, [
      {
        from: hex(broke),
        gas: toQuantity(10_000n + 2300n), // requested gas plus the value stipend
        gasUsed: '0x0',
        to: hex(callee),
        input: '0x00000000',
        error: 'insufficient balance for transfer',
        value: '0x1',
        type: 'CALL',
      },
    ])
  })

  describe('withLog', () => {
    const topic = 0x1234n
    const emitter = addr(1) // LOG1 (data "0x..aa"), CALL the child, LOG0, then CALL a reverting child
    const child = addr(2) // LOG1 then STOP
    const reverter = addr(3) // LOG0 then REVERT: its log must disappear
    const contracts: Contract[] = [
      {
        address: emitter,
        code: asm(
          'PUSH1 0xaa', 'PUSH1 0', 'MSTORE', `PUSH2 ${topic}`, 'PUSH1 32', 'PUSH1 0', 'LOG1',
          ...callOp('CALL', child, { gas: 10_000n }), 'POP',
          'PUSH1 2', 'PUSH1 30', 'LOG0',
          ...callOp('CALL', reverter, { gas: 10_000n }), 'POP',
          'STOP',
        ),
      },
      { address: child, code: asm('PUSH1 7', 'PUSH1 0', 'PUSH1 0', 'LOG1', 'STOP') },
      { address: reverter, code: asm('PUSH1 0', 'PUSH1 0', 'LOG0', 'PUSH1 0', 'PUSH1 0', 'REVERT') },
    ]

    it('records logs with their position among the subcalls, dropping reverted ones', async () => {
      const frame = await trace(contracts, { to: emitter }, { withLog: true })
      assert.deepEqual(frame.logs, [
        { address: hex(emitter), topics: [toData(word(topic))], data: toData(word(0xaan)), position: '0x0' },
        { address: hex(emitter), topics: [], data: '0x00aa', position: '0x1' },
      ])
      const [okChild, revertedChild] = frame.calls!
      assert.deepEqual(okChild!.logs, [{ address: hex(child), topics: [toData(word(7n))], data: '0x', position: '0x0' }])
      assert.equal(revertedChild!.error, 'execution reverted')
      assert.equal(revertedChild!.logs, undefined)
    })

    it('records no logs without withLog', async () => {
      const frame = await trace(contracts, { to: emitter })
      assert.equal(frame.logs, undefined)
      assert.equal(frame.calls![0]!.logs, undefined)
    })

    it('onlyTopCall keeps the top frame and its own logs only', async () => {
      const frame = await trace(contracts, { to: emitter }, { onlyTopCall: true, withLog: true })
      assert.equal(frame.calls, undefined)
      assert.equal(frame.logs?.length, 2)
      assert.deepEqual(frame.logs.map((l) => l.position), ['0x0', '0x0'], 'no subcalls are counted either')
      assert.equal(frame.to, hex(emitter))
    })
  })

  it('onlyTopCall reports just the top frame of a nested call', async () => {
    const callee = addr(1)
    const caller = addr(2)
    const code = asm(...callOp('CALL', callee, { argsLen: 32, retLen: 32 }), 'POP', 'PUSH1 32', 'PUSH1 0', 'RETURN')
    const frame = await trace([{ address: callee, code: INCREMENT }, { address: caller, code }], { to: caller }, { onlyTopCall: true })
    assert.deepEqual(Object.keys(frame), ['from', 'gas', 'gasUsed', 'to', 'input', 'output', 'value', 'type'])
    assert.equal(frame.output, toData(word(1n)))
  })

  it('traces solc-compiled contracts: require() reasons, events and a panic', async () => {
    const { abi, runtime } = compile(`
      // SPDX-License-Identifier: MIT
      pragma solidity ^0.8.0;
      contract Vault {
        event Deposited(address indexed who, uint256 amount);
        function deposit(uint256 amount) external returns (uint256) {
          require(amount > 0, "amount is zero");
          emit Deposited(msg.sender, amount);
          return amount * 2;
        }
        function underflow(uint256 a) external pure returns (uint256) { return a - 1; }
      }
      contract Front {
        function go(Vault v, uint256 amount) external returns (uint256) {
          try v.deposit(amount) returns (uint256 r) { return r; } catch { return 0; }
        }
      }`)
    const vault = addr(1)
    const front = addr(2)
    const contracts = [{ address: vault, code: runtime.Vault! }, { address: front, code: runtime.Front! }]
    const go = (amount: bigint): Uint8Array =>
      hexToBytes(encodeFunctionData({ abi: abi.Front!, functionName: 'go', args: [vault.toString() as Hex, amount] }))

    const ok = await trace(contracts, { to: front, data: go(21n) }, { withLog: true })
    const deposit = ok.calls![0]!
    assert.equal(deposit.type, 'CALL')
    assert.equal(deposit.output, encodeAbiParameters([{ type: 'uint256' }], [42n]))
    assert.deepEqual(deposit.logs, [
      {
        address: hex(vault),
        topics: [viemKeccak(toHex('Deposited(address,uint256)')), toData(bigIntToBytes(BigInt(hex(front)), 32))],
        data: encodeAbiParameters([{ type: 'uint256' }], [21n]),
        position: '0x0',
      },
    ])

    const refused = await trace(contracts, { to: front, data: go(0n) }, { withLog: true })
    assert.equal(refused.output, encodeAbiParameters([{ type: 'uint256' }], [0n]))
    assert.equal(refused.calls![0]!.error, 'execution reverted')
    assert.equal(refused.calls![0]!.revertReason, 'amount is zero')

    const panic = await trace(contracts, {
      to: vault,
      data: hexToBytes(encodeFunctionData({ abi: abi.Vault!, functionName: 'underflow', args: [0n] })),
    })
    assert.equal(panic.error, 'execution reverted')
    assert.equal(panic.revertReason, 'arithmetic underflow or overflow')
  })

  it('traceCall traces an unsigned message from any sender', async () => {
    const callee = addr(1)
    const { vm, common } = await makeVm([{ address: callee, code: INCREMENT }])
    // like geth for a call priced at 0, run it in a block without a base fee
    const block = createBlock({ header: { number: 1n, gasLimit: 30_000_000n, baseFeePerGas: 0n } }, { common })
    const stranger = createAddressFromString('0x' + '5a'.repeat(20)) // no account, no funds
    const tx = createTx({ to: callee, data: word(41n), gasLimit: 50_000n, gasPrice: 0n }, { common, freeze: false })
    const frame = await traceCall(vm, tx, block, {}, { from: stranger })
    assert.deepEqual(frame, {
      from: hex(stranger),
      gas: toQuantity(50_000n),
      // execution would cost 21000 + 31*4 + 16 (calldata) + 27, but EIP-7623's calldata
      // floor is higher: 21000 + 10 per token, 1 token per zero byte and 4 per other byte
      gasUsed: toQuantity(INTRINSIC + 10n * (31n + 4n)),
      to: hex(callee),
      input: toData(word(41n)),
      output: toData(word(42n)),
      value: '0x0',
      type: 'CALL',
    })
    const frozen = createTx({ to: callee, gasLimit: 50_000n, gasPrice: 0n }, { common })
    await assert.rejects(traceCall(vm, frozen, block, {}, { from: stranger }), { name: 'InvalidParamsError' })
  })

  it('lets a rejected transaction throw, and detaches anyway', async () => {
    const { vm, block, common } = await makeVm([])
    const tx = signedTx(common, { to: addr(1), nonce: 5n })
    await assert.rejects(traceTransaction(vm, tx, block))
    assert.equal(vm.evm.events!.listenerCount('step'), 0)
    assert.equal(vm.evm.events!.listenerCount('afterMessage'), 0)
  })

  it('can be attached to a VM by hand and reused across transactions', async () => {
    const callee = addr(1)
    const { vm, block, common } = await makeVm([{ address: callee, code: INCREMENT }])
    const tracer = createCallTracer()
    assert.throws(() => tracer.result(), { name: 'CallTracerError' })
    tracer.attach(vm.evm)
    for (const nonce of [0n, 1n]) {
      const tx = signedTx(common, { to: callee, data: word(nonce), nonce })
      tracer.txStart(tx.gasLimit)
      const res = await runTx(vm, { tx, block, skipHardForkValidation: true })
      tracer.txEnd(res.totalGasSpent)
      const frame = tracer.result()
      assert.equal(frame.output, toData(word(nonce + 1n)))
      assert.equal(frame.gasUsed, toQuantity(res.totalGasSpent))
    }
    tracer.detach(vm.evm)
    assert.equal(vm.evm.events!.listenerCount('step'), 0)
    assert.equal(vm.evm.events!.listenerCount('beforeMessage'), 0)
  })
})

describe('decodeRevertReason', () => {
  it('decodes Error(string) and Panic(uint256) like geth, and nothing else', () => {
    const error = encodeErrorResult({ abi: parseAbi(['error Error(string)']), errorName: 'Error', args: ['hi'] })
    assert.equal(decodeRevertReason(hexToBytes(error)), 'hi')
    const panic = (code: bigint): Uint8Array =>
      hexToBytes(encodeErrorResult({ abi: parseAbi(['error Panic(uint256)']), errorName: 'Panic', args: [code] }))
    assert.equal(decodeRevertReason(panic(0x12n)), 'division or modulo by zero')
    assert.equal(decodeRevertReason(panic(0x99n)), 'unknown panic code: 0x99')
    assert.equal(decodeRevertReason(hexToBytes('0x08c379a0')), undefined, 'truncated')
    assert.equal(decodeRevertReason(hexToBytes(error).subarray(0, 60)), undefined, 'length past the end')
    assert.equal(decodeRevertReason(hexToBytes('0xdeadbeef' + '00'.repeat(32))), undefined, 'custom error')
  })
})

// ---------------------------------------------------------------------------------

type Abi = ReturnType<typeof parseAbi>

/** Compiles one Solidity source with the solc package; runtime code and ABI per contract. */
function compile(source: string): { abi: Record<string, Abi>; runtime: Record<string, Uint8Array> } {
  const require = createRequire(import.meta.url)
  const solc = require('solc') as { compile(input: string): string }
  const input = {
    language: 'Solidity',
    sources: { 'T.sol': { content: source } },
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.deployedBytecode.object'] } } },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: Abi; evm: { deployedBytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const abi: Record<string, Abi> = {}
  const runtime: Record<string, Uint8Array> = {}
  for (const [name, c] of Object.entries(output.contracts['T.sol']!)) {
    abi[name] = c.abi
    runtime[name] = hexToBytes(c.evm.deployedBytecode.object)
  }
  return { abi, runtime }
}
