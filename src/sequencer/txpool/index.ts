export {
  TxPool,
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
export { defaultTxPoolOptions, resolveTxPoolOptions, type TxPoolOptions } from './options.js'
export { MAX_TX_GAS, validateTxBasics, type BasicValidationContext } from './validation.js'
export * from './errors.js'
