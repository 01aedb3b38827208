export {
  TxPool,
  type AddOptions,
  type IncludedTx,
  type NewHeadUpdate,
  type PendingListener,
  type TxPoolContent,
  type TxPoolContentFrom,
  type TxPoolDeps,
  type TxPoolHead,
  type TxPoolLogger,
  type TxPoolStateReader,
  type TxPoolStatus,
} from './txPool.js'
export { BlockTxSelector } from './selection.js'
export { defaultTxPoolOptions, resolveTxPoolOptions, TX_SLOT_BYTES, txSlotsOf, type TxPoolOptions } from './options.js'
export { replayJournal, type DecodeJournaled, type JournalReplay, type TxPoolJournal } from './journal.js'
export { MAX_TX_GAS, validateTxBasics, type BasicValidationContext } from './validation.js'
export * from './errors.js'
