import { KECCAK256_RLP } from '@ethereumjs/util'
import { encodeAbiParameters, keccak256 as viemKeccak, type Hex } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { NotFoundError } from '../primitives/errors.js'
import { hexToBytes, toData } from '../primitives/hex.js'

/** The fields an output root commits to (OP Stack output version 0). */
export interface OutputRootProof {
  version: Hex
  stateRoot: Hex
  messagePasserStorageRoot: Hex
  latestBlockhash: Hex
}

export const OUTPUT_VERSION_V0: Hex = `0x${'00'.repeat(32)}`

/** keccak256(abi.encode(version, stateRoot, messagePasserStorageRoot, blockHash)). */
export function hashOutputRoot(p: OutputRootProof): Hex {
  return viemKeccak(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [p.version, p.stateRoot, p.messagePasserStorageRoot, p.latestBlockhash],
    ),
  )
}

/** The output root of block `number` of `chain`, with its preimage. */
export async function outputAt(chain: ChainReader, number: bigint): Promise<{ root: Hex; proof: OutputRootProof }> {
  const block = chain.getBlockByNumber(number)
  if (!block) throw new NotFoundError(`block ${number} not found`)
  const account = await chain.accountAt(block.header.stateRoot, hexToBytes(PREDEPLOYS.L2ToL1MessagePasser))
  const proof: OutputRootProof = {
    version: OUTPUT_VERSION_V0,
    stateRoot: toData(block.header.stateRoot),
    messagePasserStorageRoot: toData(account?.storageRoot ?? KECCAK256_RLP),
    latestBlockhash: toData(block.hash()),
  }
  return { root: hashOutputRoot(proof), proof }
}
