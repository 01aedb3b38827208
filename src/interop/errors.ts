import { BaseError, RpcErrorCode, type BaseErrorParameters } from '../primitives/errors.js'

/**
 * Why an executing message (or the access list declaring it) is invalid. Stable: callers
 * switch on it, never on the message text.
 */
export type InteropErrorCode =
  /** The CrossL2Inbox storage keys are not a sequence of lookup, [extension], checksum. */
  | 'malformed-access-list'
  /** The source chain is not in the executing chain's dependency set. */
  | 'not-in-dependency-set'
  /** The source chain does not have the referenced block (see `pending`). */
  | 'unknown-block'
  /** The declared timestamp is not the referenced block's timestamp. */
  | 'timestamp-mismatch'
  /** The referenced block has no log at the declared index. */
  | 'no-log'
  /** The declared checksum does not commit to the referenced log (origin, payload) and identifier. */
  | 'checksum-mismatch'
  /** The initiating message is later than the executing block (timestamp or slot). */
  | 'future-message'
  /** Same slot, but the source chain does not build before the executing chain. */
  | 'same-slot-order'
  /** The executing block is past the initiating message's expiry window. */
  | 'expired'

export type InteropErrorParameters = Omit<BaseErrorParameters, 'rpcCode'> & {
  /** The temporary case: the message may become valid once the source chain catches up. */
  pending?: boolean
  /** Position of the offending executing message among those the transaction declares. */
  messageIndex?: number
}

/** An executing message failed a protocol check. */
export class InteropError extends BaseError {
  override name = 'InteropError'
  readonly code: InteropErrorCode
  /**
   * True when the referenced block does not exist yet but could still be built in time
   * for the executing block: retry later instead of dropping the transaction.
   */
  readonly pending: boolean
  readonly messageIndex: number | undefined

  constructor(code: InteropErrorCode, message: string, params: InteropErrorParameters = {}) {
    const { pending, messageIndex, ...base } = params
    // Crossing the RPC boundary it is a rejected transaction, which geth reports as -32000.
    super(message, { ...base, rpcCode: RpcErrorCode.Server })
    this.code = code
    this.pending = pending ?? false
    this.messageIndex = messageIndex
  }
}
