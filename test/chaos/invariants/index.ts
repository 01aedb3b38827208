import type { Invariant } from '../context.js'
import { acceptedKept } from './acceptedKept.js'
import { bundlesWhole } from './bundlesWhole.js'
import { depositsArrive } from './depositsArrive.js'
import { messagesDelivered } from './messagesDelivered.js'
import { moneyBacked } from './moneyBacked.js'
import { producing } from './producing.js'
import { receiptsKept } from './receiptsKept.js'
import { replicaAgrees } from './replicaAgrees.js'
import { safeCatchesUp } from './safeCatchesUp.js'
import { safeTags } from './safeTags.js'
import { sameSlot } from './sameSlot.js'
import { superRootsVerified } from './superRootsVerified.js'
import { untouched } from './untouched.js'
import { withdrawalFinalizes } from './withdrawalFinalizes.js'
import { withdrawalsProvable } from './withdrawalsProvable.js'

/**
 * Every invariant, in the order they are checked. `producing again` comes first: the
 * others need a running network (when it fails, the suite restarts the network before
 * going on). After every fault the `after-fault` ones run; at the end all of them.
 */
export const INVARIANTS: Invariant[] = [
  producing,
  receiptsKept,
  acceptedKept,
  sameSlot,
  bundlesWhole,
  messagesDelivered,
  depositsArrive,
  moneyBacked,
  safeCatchesUp,
  safeTags,
  replicaAgrees,
  withdrawalsProvable,
  superRootsVerified,
  untouched,
  withdrawalFinalizes,
]

export { producing }
