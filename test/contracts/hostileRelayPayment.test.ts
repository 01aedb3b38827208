// Hostile input on the RelayGasPaymaster predeploy (installed on an anvil as runtime code, as in
// the genesis alloc; anvil's chain id 900 stands for the source chain): no or too little value,
// gas limits of 0, above the cap and 2^256-1, destinations 0 / this chain / another than the
// first payment's, value where none is expected, a payer that re-enters on its refund and one
// that refuses it. Each refusal is a named error and moves nothing: the payer's, the payer
// contract's, the paymaster's and the fee vault's ETH and the recorded paid gas and destination
// are compared before and after. The base fee is kept at 0, so every quote is the floor price
// and an eth_call quotes what the transaction pays.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeEventLog, encodeFunctionData, keccak256, maxUint256, parseAbi, toHex, type Address, type Hex } from 'viem'
import { loadArtifact } from '../helpers/artifacts.js'
import { rpc } from '../helpers/node.js'
import { mustSend, refuse, type Attempt } from './hostile.js'
import { startL1, type L1 } from './setup.js'

const PAYMASTER: Address = '0x4200000000000000000000000000000000000029'
const FEE_VAULT: Address = '0x4200000000000000000000000000000000000011'
const HERE = 900n
const MAX = 16_777_216n
const OVERHEAD = 100_000n
const FLOOR_PRICE = 2n * 10_000_000n

const paymaster = loadArtifact('RelayGasPaymaster').abi
const payerAbi = loadArtifact('RelayPayer').abi
const eventAbi = parseAbi(['event RelayGasPaid(bytes32 indexed msgHash, uint256 indexed destination, uint256 gasLimit, address indexed payer, uint256 amount)'])

describe('RelayGasPaymaster under hostile input', () => {
  let l1: L1
  let payer: Address
  const user = () => l1.accounts[4]!.address
  const hashOf = (label: string): Hex => keccak256(toHex(label))
  /** The hashes the tests pay for (their records are part of the state compared). */
  const H = { paid: hashOf('paid'), fresh: hashOf('fresh'), reentry: hashOf('reentry'), nearMax: hashOf('near max') }

  const call = (functionName: string, args: readonly unknown[], value?: bigint, from = user()): Attempt => ({ to: PAYMASTER, abi: paymaster, functionName, args, from, value })
  const pay = (msgHash: Hex, destination: bigint, gasLimit: bigint, value?: bigint) => call('payForRelay', [msgHash, destination, gasLimit], value)
  /** `pay` made by the RelayPayer contract with `value` from the user. */
  const payVia = (msgHash: Hex, destination: bigint, gasLimit: bigint, value: bigint): Attempt => ({
    to: payer,
    abi: payerAbi,
    functionName: 'pay',
    args: [encodeFunctionData({ abi: paymaster, functionName: 'payForRelay', args: [msgHash, destination, gasLimit] })],
    from: user(),
    value,
  })
  const quote = (gasLimit: bigint) => l1.read<bigint>(PAYMASTER, paymaster, 'quoteRelay', [901n, gasLimit])
  const ethOf = (a: Address) => l1.pub.getBalance({ address: a })

  /** Everything a payment moves or records. */
  async function state() {
    const records: Record<string, unknown> = {}
    for (const [k, h] of Object.entries(H)) {
      records[k] = [await l1.read(PAYMASTER, paymaster, 'paidGas', [h]), await l1.read(PAYMASTER, paymaster, 'destinationOf', [h])]
    }
    return { user: await ethOf(user()), payer: await ethOf(payer), paymaster: await ethOf(PAYMASTER), vault: await ethOf(FEE_VAULT), refunds: await l1.read(payer, payerAbi, 'refunds'), records }
  }

  before(async () => {
    l1 = await startL1()
    await l1.testClient.setCode({ address: PAYMASTER, bytecode: loadArtifact('RelayGasPaymaster').deployedBytecode })
    payer = await l1.deploy('RelayPayer', [PAYMASTER])
    // A zero base fee from here on (blocks far below their target keep it there): quotes are the floor.
    await rpc(l1.anvil.url, 'anvil_setNextBlockBaseFeePerGas', ['0x0'])
    await rpc(l1.anvil.url, 'evm_mine', [])
    assert.equal(await l1.read<bigint>(PAYMASTER, paymaster, 'gasPrice'), FLOOR_PRICE)
    // A first payment, so top-ups have something to be checked against.
    await mustSend(l1, pay(H.paid, 901n, 50_000n, await quote(50_000n)))
    assert.equal(await l1.read(PAYMASTER, paymaster, 'paidGas', [H.paid]), 50_000n)
  })
  after(async () => l1?.stop())

  test('no value and too little value: InsufficientPayment(required, sent)', async () => {
    const q = await quote(50_000n)
    assert.equal(q, (50_000n + OVERHEAD) * FLOOR_PRICE)
    await refuse(l1, pay(H.fresh, 901n, 50_000n), 'InsufficientPayment', [q, 0n], state)
    await refuse(l1, pay(H.fresh, 901n, 50_000n, q - 1n), 'InsufficientPayment', [q, q - 1n], state)
    // A top-up is priced like a first payment (it funds another relay attempt).
    await refuse(l1, pay(H.paid, 901n, 1n, (1n + OVERHEAD) * FLOOR_PRICE - 1n), 'InsufficientPayment', [(1n + OVERHEAD) * FLOOR_PRICE, (1n + OVERHEAD) * FLOOR_PRICE - 1n], state)
  })

  test('gas limits of 0, just above the cap, 2^256-1, and a top-up past the cap: ZeroGas / GasLimitTooHigh(total, max), never an overflow panic', async () => {
    const lots = 10n ** 18n
    await refuse(l1, pay(H.fresh, 901n, 0n, lots), 'ZeroGas', [], state)
    await refuse(l1, pay(H.fresh, 901n, MAX + 1n, lots), 'GasLimitTooHigh', [MAX + 1n, MAX], state)
    await refuse(l1, pay(H.fresh, 901n, maxUint256, lots), 'GasLimitTooHigh', [MAX + 1n, MAX], state)
    // On a message already paid for 50,000: the total is what is refused.
    await refuse(l1, pay(H.paid, 901n, maxUint256, lots), 'GasLimitTooHigh', [MAX + 1n + 50_000n, MAX], state)
    await refuse(l1, pay(H.paid, 901n, MAX - 50_000n + 1n, lots), 'GasLimitTooHigh', [MAX + 1n, MAX], state)
    await refuse(l1, call('quoteRelay', [901n, maxUint256]), 'GasLimitTooHigh', [maxUint256, MAX], state)
    // Exactly the cap in all is accepted (the bound is inclusive), and then not one gas more.
    await mustSend(l1, pay(H.nearMax, 901n, MAX, await quote(MAX)))
    await refuse(l1, pay(H.nearMax, 901n, 1n, lots), 'GasLimitTooHigh', [MAX + 1n, MAX], state)
  })

  test('destinations: 0, this chain, and a top-up naming another destination than the first payment', async () => {
    const lots = 10n ** 18n
    await refuse(l1, pay(H.fresh, 0n, 50_000n, lots), 'ZeroDestination', [], state)
    await refuse(l1, pay(H.fresh, HERE, 50_000n, lots), 'DestinationSameChain', [], state)
    await refuse(l1, pay(H.paid, 902n, 50_000n, lots), 'DestinationMismatch', [901n, 902n], state)
    await refuse(l1, pay(H.paid, maxUint256, 50_000n, lots), 'DestinationMismatch', [901n, maxUint256], state)
  })

  test('value where none is expected: a plain transfer, and the view functions', async () => {
    await refuse(l1, { to: PAYMASTER, functionName: 'receive', data: '0x', value: 1n, from: user() }, 'EmptyRevert', [], state)
    await refuse(l1, { to: PAYMASTER, functionName: 'fallback', data: '0xdeadbeef', value: 1n, from: user() }, 'EmptyRevert', [], state)
    for (const [fn, args] of [['quoteRelay', [901n, 1n]], ['gasPrice', []], ['paidGas', [H.paid]], ['destinationOf', [H.paid]]] as const) {
      await refuse(l1, call(fn, args, 1n), 'EmptyRevert', [], state)
    }
  })

  test('a refund to a contract that refuses ETH: the whole payment reverts (TransferFailed), nothing is kept', async () => {
    const q = await quote(40_000n)
    await mustSend(l1, { to: payer, abi: payerAbi, functionName: 'configure', args: ['0x', true], from: user() })
    try {
      await refuse(l1, payVia(H.fresh, 901n, 40_000n, q + 1n), 'TransferFailed', [], state)
      // The exact quote has no refund to refuse: accepted, the vault gets exactly the quote.
      const before = await state()
      await mustSend(l1, payVia(H.fresh, 901n, 40_000n, q))
      const after = await state()
      assert.equal(after.vault - before.vault, q)
      assert.deepEqual(after.records.fresh, [40_000n, 901n])
    } finally {
      await mustSend(l1, { to: payer, abi: payerAbi, functionName: 'configure', args: ['0x', false], from: user() })
    }
  })

  test('a payer that re-enters on its refund: a re-entry the first payment makes invalid reverts everything; a valid one only pays again, and the sums hold', async () => {
    const [q40, q30] = [await quote(40_000n), await quote(30_000n)]
    const reenter = async (data: Hex) => mustSend(l1, { to: payer, abi: payerAbi, functionName: 'configure', args: [data, false], from: user() })
    const payAgain = (destination: bigint, gasLimit: bigint) => encodeFunctionData({ abi: paymaster, functionName: 'payForRelay', args: [H.reentry, destination, gasLimit] })

    // The re-entry sees the outer payment already recorded (its destination, its gas): refused.
    await reenter(payAgain(902n, 30_000n))
    await refuse(l1, payVia(H.reentry, 901n, 40_000n, q40 + q30), 'TransferFailed', [], state)
    await reenter(payAgain(901n, MAX - 40_000n + 1n))
    await refuse(l1, payVia(H.reentry, 901n, 40_000n, q40 + q30), 'TransferFailed', [], state)

    // A valid re-entry with the refund: two payments, each priced, the last wei refunded.
    await reenter(payAgain(901n, 30_000n))
    const before = await state()
    const hash = await rpc<Hex>(l1.anvil.url, 'eth_sendTransaction', [
      { from: user(), to: payer, value: toHex(q40 + q30 + 5n), gasPrice: '0x0', data: encodeFunctionData({ abi: payerAbi, functionName: 'pay', args: [encodeFunctionData({ abi: paymaster, functionName: 'payForRelay', args: [H.reentry, 901n, 40_000n] })] }) },
    ])
    const receipt = await l1.pub.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    const after = await state()
    assert.deepEqual(after.records.reentry, [70_000n, 901n], 'both payments recorded, once each')
    assert.equal(after.vault - before.vault, q40 + q30, 'the vault got exactly the two quotes')
    assert.equal(before.user - after.user, q40 + q30 + 5n, 'the user paid what it sent (zero gas price)')
    assert.equal(after.payer - before.payer, 5n, 'the last refund stayed with the payer contract')
    assert.equal(after.paymaster, 0n, 'the paymaster keeps nothing')
    const paid = receipt.logs.filter((l) => l.address.toLowerCase() === PAYMASTER.toLowerCase()).map((l) => ({ ...l, topics: l.topics as [Hex, ...Hex[]] }))
    assert.deepEqual(
      paid.map((l) => {
        const { args } = decodeRelayGasPaid(l)
        return [args.gasLimit, args.amount]
      }),
      [[40_000n, q40], [30_000n, q30]],
      'the outer payment is logged before any call out (then the re-entered one), each with its own gas and price',
    )
    await reenter('0x')
  })

  test('the paymaster never holds ETH', async () => {
    assert.equal(await ethOf(PAYMASTER), 0n)
  })

  // A wallet's exact estimate is made against one block's base fee and the payment lands in a
  // later one; an idle chain's base fee falls past the minimum within seconds. If the price
  // branched on the base fee, a payment estimated on one side of the minimum and mined on the
  // other would run out of gas (seen as a flaky relay test before gasPrice() was branch-free).
  test('a payment costs the same gas whether the base fee is below or above the minimum gas price', async () => {
    const MIN = FLOOR_PRICE / 2n
    const gasAt = async (baseFee: bigint, label: string): Promise<bigint> => {
      await rpc(l1.anvil.url, 'anvil_setNextBlockBaseFeePerGas', [toHex(baseFee)])
      const hash = await rpc<Hex>(l1.anvil.url, 'eth_sendTransaction', [{
        from: user(),
        to: PAYMASTER,
        data: encodeFunctionData({ abi: paymaster, functionName: 'payForRelay', args: [hashOf(label), 901n, 50_000n] }),
        value: toHex(10n ** 17n),
        gas: toHex(500_000n),
        maxFeePerGas: toHex(baseFee * 2n + 1n),
        maxPriorityFeePerGas: '0x0',
      }])
      const receipt = await l1.pub.waitForTransactionReceipt({ hash })
      assert.equal(receipt.status, 'success')
      const block = await l1.pub.getBlock({ blockNumber: receipt.blockNumber })
      assert.equal(block.baseFeePerGas, baseFee, 'the payment ran at the base fee asked for')
      return receipt.gasUsed
    }
    const below = await gasAt(MIN / 2n, 'below the minimum')
    const above = await gasAt(MIN * 3n, 'above the minimum')
    assert.equal(above, below, `gas used above the minimum ${above}, below it ${below}`)
  })
})

/** The gas and price of a paymaster `RelayGasPaid` log. */
function decodeRelayGasPaid(l: { topics: [Hex, ...Hex[]]; data: Hex }) {
  return decodeEventLog({ abi: eventAbi, topics: l.topics, data: l.data }) as unknown as { args: { gasLimit: bigint; amount: bigint } }
}
