import { loadArtifact } from '../primitives/artifacts.js'
import { devGenesis, type DevGenesisOptions, type GethGenesis } from './genesis.js'
import { PREDEPLOYS } from './predeploys.js'

export interface RollupGenesisOptions extends DevGenesisOptions {
  /** The network's L1 Portal: the L2 bridge only accepts deposits it sent. */
  l1Portal: `0x${string}`
}

/**
 * Genesis of a chain settled on L1: the dev genesis plus the system predeploys
 * (L1Block, L2ToL1MessagePasser, L2StandardBridge) as runtime code, with the bridge's
 * `l1Portal` (storage slot 0) set. Predeploy constructors never run, so no contract
 * may rely on one.
 */
export function rollupGenesis(opts: RollupGenesisOptions): GethGenesis {
  const genesis = devGenesis(opts)
  const code = (name: string) => loadArtifact(name).deployedBytecode
  genesis.alloc[PREDEPLOYS.L1Block] = { balance: '0x0', code: code('L1Block') }
  genesis.alloc[PREDEPLOYS.L2ToL1MessagePasser] = { balance: '0x0', code: code('L2ToL1MessagePasser') }
  genesis.alloc[PREDEPLOYS.L2StandardBridge] = {
    balance: '0x0',
    code: code('L2StandardBridge'),
    storage: { '0x0': `0x${opts.l1Portal.slice(2).toLowerCase().padStart(64, '0')}` },
  }
  return genesis
}
