/** EIP-7825 (Osaka) per-transaction gas cap, geth's `params.MaxTxGas`. */
export const MAX_TX_GAS = 16_777_216n
