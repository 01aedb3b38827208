import type { DepositRecord, WithdrawalProof, WithdrawalRecord } from '../../settlement/bridgeTransfers.js'
import type { BridgeTransfersContext } from '../../settlement/bridgeTransfers.js'
import { toQuantity } from '../../primitives/hex.js'
import { MethodNotFoundError } from '../errors.js'
import type { RpcApi } from '../api.js'
import { settlementOf } from './getL1Addresses.js'

/** The chain's deposits and withdrawals, or -32601 where they are not served (standalone chains, replicas). */
export function transfersOf(api: RpcApi, method: string): BridgeTransfersContext {
  const settlement = settlementOf(api, method)
  if (!settlement.bridgeTransfers) throw new MethodNotFoundError(method, { details: 'deposits and withdrawals are served by the sequencing network, not by replicas' })
  return settlement.bridgeTransfers()
}

const q = (v: bigint | null) => (v === null ? null : toQuantity(v))

export function formatDeposit(d: DepositRecord): Record<string, unknown> {
  return {
    status: d.status,
    l1TxHash: d.l1TxHash,
    l1BlockNumber: toQuantity(d.l1BlockNumber),
    from: d.from,
    to: d.to,
    mint: toQuantity(d.mint),
    value: toQuantity(d.value),
    l2TxHash: d.l2TxHash,
    l2BlockNumber: q(d.l2BlockNumber),
    l2Success: d.l2Success,
  }
}

export function formatWithdrawal(w: WithdrawalRecord & { proof?: WithdrawalProof | null }): Record<string, unknown> {
  return {
    withdrawalHash: w.withdrawalHash,
    stage: w.stage,
    l2TxHash: w.l2TxHash,
    l2BlockNumber: toQuantity(w.l2BlockNumber),
    withdrawal: {
      nonce: toQuantity(w.withdrawal.nonce),
      sender: w.withdrawal.sender,
      target: w.withdrawal.target,
      value: toQuantity(w.withdrawal.value),
      gasLimit: toQuantity(w.withdrawal.gasLimit),
      data: w.withdrawal.data,
    },
    output: w.output ? { index: toQuantity(w.output.index), l2BlockNumber: toQuantity(w.output.l2BlockNumber), timestamp: toQuantity(w.output.timestamp) } : null,
    provenAt: q(w.provenAt),
    finalizableAt: q(w.finalizableAt),
    l1Time: toQuantity(w.l1Time),
    ...(w.proof === undefined
      ? {}
      : {
          proof: w.proof && {
            outputIndex: toQuantity(w.proof.outputIndex),
            outputRootProof: w.proof.outputRootProof,
            withdrawalProof: w.proof.withdrawalProof,
          },
        }),
  }
}
