import { BaseError, RpcErrorCode } from '../../primitives/errors.js'
import { parseUint } from '../params.js'

/**
 * anvil_setNextBlockBaseFeePerGas: refused. A block's base fee is computed from its
 * parent by every node, replicas included (EIP-1559 with the chain's genesis settings);
 * a base fee chosen by hand would give a block that no replica derives from L1.
 */
export function setNextBlockBaseFeePerGas(_dev: unknown, [fee]: unknown[]): never {
  parseUint(fee, 'baseFee', 256)
  throw new BaseError('anvil_setNextBlockBaseFeePerGas is not supported: the base fee of every block is derived from its parent, so replicas rebuild the chain from L1; a hand-set base fee would break that (see docs/rpc.md, "Dev methods")', {
    rpcCode: RpcErrorCode.Server,
  })
}
