// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AddressAlias} from "../shared/AddressAlias.sol";
import {Hashing} from "../shared/Hashing.sol";
import {GasPayingToken} from "../shared/GasPayingToken.sol";
import {Predeploys} from "../shared/Predeploys.sol";
import {L2StandardBridge} from "../L2/L2StandardBridge.sol";
import {ChainRegistry} from "./ChainRegistry.sol";
import {OutputOracle} from "./OutputOracle.sol";
import {RLPReader} from "./lib/RLPReader.sol";
import {SecureMerkleTrie} from "./lib/SecureMerkleTrie.sol";

/// @title Portal
/// @notice The one L1 entry and exit point of every chain in the network. Deposits are events
///         that each chain's nodes derive into L2 deposit transactions; withdrawals are proven
///         against the chain's output roots and executed after its challenge window.
/// @dev One portal holds the funds of all chains, so all escrow is accounted per chain
///      (`ethLocked[chainId]`, `erc20Locked[chainId][token]`): a withdrawal proven on chain A
///      can only release what was deposited to chain A, whatever chain A's L2 claims.
///      ETH moves between chains on L2 (SuperchainETHBridge) without touching L1; each chain's
///      output roots commit to the ETH it has sent to every other chain (in its message
///      passer's storage), and {settleEthFlows} moves that much escrow from the sender's
///      `ethLocked` to the receiver's once the output is final. A chain's escrow can never go
///      negative (the AggLayer's pessimistic accounting): a chain that claims to send more than
///      it holds is refused, so no chain ever takes more than was deposited to it or sent to it.
///      A chain registered with a gas token (OP Stack "custom gas token") has that L1 ERC-20
///      as its native asset: it takes no ETH, its deposits lock the token in
///      `erc20Locked[chainId][token]` and mint `amount * 10**(18 - decimals)` on L2, and its
///      withdrawals release `value / 10**(18 - decimals)` tokens.
contract Portal {
    using SafeERC20 for IERC20;

    /// @notice A withdrawal as recorded by the L2 message passer.
    struct WithdrawalTransaction {
        uint256 nonce;
        address sender;
        address target;
        uint256 value;
        uint256 gasLimit;
        bytes data;
    }

    /// @notice The preimage of a version-0 output root.
    struct OutputRootProof {
        bytes32 version;
        bytes32 stateRoot;
        bytes32 messagePasserStorageRoot;
        bytes32 latestBlockhash;
    }

    /// @notice A proven withdrawal: which output it was proven against, and when.
    struct ProvenWithdrawal {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 outputIndex;
    }

    /// @notice Tracks deposit gas per chain within the current L1 block.
    struct DepositGasMeter {
        uint64 blockNumber;
        uint64 used;
    }

    /// @notice {l2Sender} outside a withdrawal; non-zero so that a contract that checks
    ///         `l2Sender() == x` for an unset `x` does not pass by accident.
    address public constant DEFAULT_L2_SENDER = 0x000000000000000000000000000000000000dEaD;
    /// @notice Gas a deposit must pay for at least: the intrinsic cost of an L2 transaction
    ///         plus {DEPOSIT_GAS_PER_BYTE} per data byte. L2 blocks must fit every deposit, so
    ///         this keeps L1 users from buying L2 block space below its cost.
    uint64 public constant DEPOSIT_BASE_GAS = 21_000;
    uint64 public constant DEPOSIT_GAS_PER_BYTE = 40;
    /// @notice Largest gas limit of one deposit (below the EIP-7825 per-transaction cap).
    uint64 public constant MAX_DEPOSIT_GAS = 16_000_000;
    /// @notice Largest total deposit gas per chain per L1 block, so the deposits of one L1
    ///         block always fit in the L2 block that must include them.
    uint64 public constant MAX_DEPOSIT_GAS_PER_BLOCK = 30_000_000;
    /// @notice Gas limit of the L2 call made by {depositETH}.
    uint64 public constant ETH_DEPOSIT_GAS = 100_000;
    /// @notice Gas limit of the L2 `finalizeDeposit` call made by {depositERC20}; it may have to
    ///         deploy the bridged token.
    uint64 public constant ERC20_DEPOSIT_GAS = 3_000_000;
    /// @notice Gas {finalizeWithdrawal} keeps on top of 64/63 of the withdrawal's gas limit:
    ///         the CALL's own cost (value transfer, new account, cold access) and the work
    ///         after it.
    uint256 public constant RELAY_GAS_BUFFER = 50_000;
    /// @notice Gas allowed to each token metadata read in {depositERC20}.
    uint256 public constant METADATA_GAS = 100_000;
    /// @notice Longest token name/symbol copied to L2; longer ones get the fallback, so a token
    ///         cannot make its L2 deployment too expensive to ever succeed.
    uint256 public constant MAX_METADATA_LENGTH = 128;

    ChainRegistry public immutable registry;
    OutputOracle public immutable oracle;

    /// @notice ETH held for each chain: deposited, not yet withdrawn.
    mapping(uint256 chainId => uint256) public ethLocked;
    /// @notice ERC-20 tokens held for each chain (for a gas-token chain, its gas token is its
    ///         native escrow here).
    mapping(uint256 chainId => mapping(address token => uint256)) public erc20Locked;
    /// @notice Tokens the portal has ever held in escrow. A withdrawal may not call one: the
    ///         portal is the holder, so `transfer`/`approve` calldata would move every chain's
    ///         escrow.
    mapping(address token => bool) public isEscrowedToken;
    /// @notice The nonce of the next deposit to each chain.
    mapping(uint256 chainId => uint256) public depositNonce;
    mapping(uint256 chainId => mapping(bytes32 withdrawalHash => ProvenWithdrawal)) public provenWithdrawals;
    mapping(uint256 chainId => mapping(bytes32 withdrawalHash => bool)) public finalizedWithdrawals;
    mapping(uint256 chainId => DepositGasMeter) private _depositGas;
    /// @notice ETH each chain's L2 has sent to each other chain, as far as settled here: the
    ///         total its output roots committed to when {settleEthFlows} last moved escrow.
    mapping(uint256 source => mapping(uint256 destination => uint256)) public ethFlowSettled;
    /// @notice The native asset paid out by each chain's withdrawals, in total and in L2 wei
    ///         (ETH, or gas-token units times 10**(18 - decimals)): what left the chain for L1.
    ///         `plexus audit` weighs it against what the chain's message passer holds.
    mapping(uint256 chainId => uint256) public nativeReleased;
    /// @notice Escrow added to each chain by {escrowEth}/{escrowGasToken}, in total (wei, or
    ///         gas-token units): what backs its genesis balances.
    mapping(uint256 chainId => uint256) public escrowAdded;

    /// @dev The withdrawal being executed: set only for the duration of its call.
    address private transient _l2Sender;
    uint256 private transient _l2ChainId;
    /// @dev Set while a deposit pulls tokens in.
    bool private transient _depositingERC20;

    event TransactionDeposited(
        uint256 indexed chainId,
        address indexed from,
        address indexed to,
        uint256 depositNonce,
        bytes opaqueData
    );
    event ERC20DepositInitiated(
        uint256 indexed chainId,
        address indexed l1Token,
        address indexed from,
        address to,
        uint256 amount
    );
    event WithdrawalProven(
        uint256 indexed chainId,
        bytes32 indexed withdrawalHash,
        address indexed from,
        address to
    );
    event WithdrawalFinalized(uint256 indexed chainId, bytes32 indexed withdrawalHash, bool success);
    /// @notice Escrow added without a deposit: it backs a chain's genesis balances.
    event EscrowAdded(uint256 indexed chainId, address indexed token, address indexed from, uint256 amount);
    /// @notice `amount` of escrow moved from `source` to `destination`: ETH sent between them on
    ///         L2, up to a total of `settledTotal`, proven by `source`'s output `outputIndex`.
    event EthFlowSettled(
        uint256 indexed source, uint256 indexed destination, uint256 amount, uint256 settledTotal, uint256 outputIndex
    );
    event ERC20WithdrawalFinalized(
        uint256 indexed chainId,
        address indexed l1Token,
        address indexed from,
        address to,
        uint256 amount
    );

    /// @notice Raised by the registry (same signature) when the portal asks it about an
    ///         unknown chain; declared here so the portal's ABI decodes it.
    error ChainNotRegistered(uint256 chainId);
    /// @notice Raised by the oracle (same signature) for a withdrawal proven against an output
    ///         it does not have (wrong chain id or index); declared so the portal's ABI decodes it.
    error OutputNotFound(uint256 chainId, uint256 index);
    /// @notice A contract creation deposit must have `to == address(0)`.
    error CreationWithTarget();
    error GasLimitTooLow(uint256 gasLimit, uint256 minimum);
    error GasLimitTooHigh(uint256 gasLimit, uint256 maximum);
    /// @notice This L1 block already carries the maximum deposit gas for the chain; retry in a
    ///         later block.
    error DepositGasCapReached(uint256 chainId, uint256 used, uint256 requested);
    /// @notice ERC-20 deposits and withdrawals need a non-zero recipient (an L2 mint to zero
    ///         would fail and strand the tokens on L1).
    error InvalidRecipient();
    /// @notice The token transfer delivered nothing to the portal.
    error NothingReceived();
    /// @notice The token address holds no contract (an ERC-20 call to it would revert without
    ///         a reason).
    error InvalidToken(address token);
    /// @notice Only the L2 bridge may target the portal, and only its ERC-20 release, without
    ///         value.
    error InvalidPortalCall();
    error UnsupportedOutputVersion(bytes32 version);
    error OutputRootMismatch(bytes32 expected, bytes32 computed);
    error InvalidWithdrawalProof();
    /// @notice Already proven against an output that is still in the oracle.
    error WithdrawalAlreadyProven(uint256 chainId, bytes32 withdrawalHash);
    error WithdrawalNotProven(uint256 chainId, bytes32 withdrawalHash);
    error WithdrawalAlreadyFinalized(uint256 chainId, bytes32 withdrawalHash);
    /// @notice The proof (or its output) is still inside the challenge window; retry later.
    error ChallengeWindowNotElapsed(uint256 chainId, uint256 readyAfter);
    /// @notice The output the withdrawal was proven against was deleted or replaced; prove
    ///         again against a current output.
    error ProvenOutputInvalidated(uint256 chainId, uint256 outputIndex);
    error InsufficientLockedEth(uint256 chainId, uint256 locked, uint256 requested);
    error InsufficientLockedTokens(uint256 chainId, address token, uint256 locked, uint256 requested);
    /// @notice Not enough gas left to give the withdrawal its full gas limit; send more gas.
    error InsufficientGas(uint256 gasLeft, uint256 required);
    /// @notice A withdrawal call tried to finalize another withdrawal.
    error ReentrantFinalize();
    /// @notice A token tried to start an ERC-20 deposit from inside one.
    error ReentrantDeposit();
    /// @notice {finalizeERC20Withdrawal} is only reachable through a bridge withdrawal.
    error NotFromL2Bridge();
    /// @notice The chain's native asset is the ERC-20 `gasToken`, not ETH: deposit it with
    ///         {depositGasToken} or {depositERC20Transaction} (send no ETH).
    error ChainUsesGasToken(uint256 chainId, address gasToken);
    /// @notice The chain's native asset is ETH: it has no gas token to deposit.
    error ChainUsesEth(uint256 chainId);
    /// @notice `token` is the chain's native asset; deposit it with {depositGasToken} rather than
    ///         as a bridged ERC-20.
    error TokenIsGasToken(uint256 chainId, address token);
    /// @notice A gas-token withdrawal's L2 value is not a whole number of token units (`unit`
    ///         L2 wei each). The L2 message passer refuses such withdrawals; this never happens
    ///         for one it recorded.
    error InexactGasTokenAmount(uint256 value, uint256 unit);
    /// @notice A withdrawal may not call a token the portal escrows (see {isEscrowedToken}).
    error CallToEscrowedToken(address token);
    /// @notice Flows settle only against an output whose challenge window has passed.
    error OutputNotFinalized(uint256 chainId, uint256 outputIndex);
    /// @notice {settleEthFlows} takes one storage proof per destination.
    error FlowProofCountMismatch(uint256 destinations, uint256 proofs);
    /// @notice A chain does not send ETH to itself.
    error FlowToSelf(uint256 chainId);
    /// @notice The proven storage value is not a uint256 (RLP longer than 32 bytes).
    error InvalidFlowValue();
    /// @notice Nothing to escrow.
    error ZeroEscrow();

    constructor(ChainRegistry registry_, OutputOracle oracle_) {
        registry = registry_;
        oracle = oracle_;
    }

    // ------------------------------------------------------------------ deposits

    /// @notice Deposits an L2 transaction. `msg.value` is minted to `from` on L2 before the call
    ///         `from → to` with `value` and `gasLimit` runs (a creation if `isCreation`).
    ///         `from` is the caller for an EOA and the caller's alias for a contract.
    function depositTransaction(
        uint256 chainId,
        address to,
        uint256 value,
        uint64 gasLimit,
        bool isCreation,
        bytes calldata data
    ) external payable {
        // A gas-token chain takes messages (paying `value` from the L2 balance) but no ETH.
        if (msg.value != 0) _lockEth(chainId);
        else _requireRegistered(chainId);
        _deposit(chainId, _depositor(), to, msg.value, value, gasLimit, isCreation, data);
    }

    /// @notice Deposits `msg.value` ETH to `to` on L2.
    function depositETH(uint256 chainId, address to) external payable {
        _lockEth(chainId);
        _deposit(chainId, _depositor(), to, msg.value, msg.value, ETH_DEPOSIT_GAS, false, "");
    }

    /// @notice The OP Stack's custom-gas-token deposit: like {depositTransaction}, but `mint`
    ///         is in units of the chain's gas token, pulled from the caller (approve first) and
    ///         minted on L2 as `mint * 10**(18 - decimals)` wei. `value` and `gasLimit` are the
    ///         L2 call's, in L2 wei and gas. Fee-on-transfer tokens mint what arrived.
    function depositERC20Transaction(
        uint256 chainId,
        address to,
        uint256 mint,
        uint256 value,
        uint64 gasLimit,
        bool isCreation,
        bytes calldata data
    ) external {
        uint256 l2Mint = _lockGasToken(chainId, mint);
        _deposit(chainId, _depositor(), to, l2Mint, value, gasLimit, isCreation, data);
    }

    /// @notice Deposits `amount` units of a gas-token chain's native asset to `to` on L2: the
    ///         counterpart of {depositETH}.
    function depositGasToken(uint256 chainId, address to, uint256 amount) external {
        if (amount == 0) revert NothingReceived();
        uint256 l2Amount = _lockGasToken(chainId, amount);
        _deposit(chainId, _depositor(), to, l2Amount, l2Amount, ETH_DEPOSIT_GAS, false, "");
    }

    /// @notice Locks `amount` of `l1Token` for `chainId` and has the L2 bridge mint the bridged
    ///         token to `to`. Credits what actually arrived, so fee-on-transfer tokens are
    ///         accounted right. Non-reentrant: the balance difference would otherwise count a
    ///         nested deposit twice.
    function depositERC20(uint256 chainId, address l1Token, address to, uint256 amount) external {
        if (to == address(0)) revert InvalidRecipient();
        (address gasToken,) = registry.gasPayingToken(chainId);
        if (l1Token == gasToken) revert TokenIsGasToken(chainId, l1Token);
        uint256 received = _pullTokens(l1Token, amount);
        erc20Locked[chainId][l1Token] += received;

        bytes memory data = abi.encodeCall(
            L2StandardBridge.finalizeDeposit,
            (
                l1Token,
                msg.sender,
                to,
                received,
                _readString(l1Token, IERC20Metadata.name.selector, "Bridged Token"),
                _readString(l1Token, IERC20Metadata.symbol.selector, "BRIDGED"),
                _readDecimals(l1Token)
            )
        );
        _deposit(
            chainId,
            AddressAlias.applyL1ToL2Alias(address(this)),
            Predeploys.L2_STANDARD_BRIDGE,
            0,
            0,
            ERC20_DEPOSIT_GAS,
            false,
            data
        );
        emit ERC20DepositInitiated(chainId, l1Token, msg.sender, to, received);
    }

    /// @notice The L2 sender of a deposit made by the contract `l1Address`.
    function applyL1ToL2Alias(address l1Address) public pure returns (address) {
        return AddressAlias.applyL1ToL2Alias(l1Address);
    }

    /// @notice Adds `msg.value` to an ETH chain's escrow without minting anything on L2: this is
    ///         how a chain's genesis balances are backed (the embedded dev network escrows its
    ///         dev accounts' ETH this way). Anyone may add; nothing is ever taken out but by
    ///         withdrawals of the chain.
    function escrowEth(uint256 chainId) external payable {
        if (msg.value == 0) revert ZeroEscrow();
        _lockEth(chainId);
        escrowAdded[chainId] += msg.value;
        emit EscrowAdded(chainId, GasPayingToken.ETHER, msg.sender, msg.value);
    }

    /// @notice {escrowEth} for a gas-token chain: backs its genesis balances with `amount` units
    ///         of its gas token (approve first).
    function escrowGasToken(uint256 chainId, uint256 amount) external {
        if (amount == 0) revert ZeroEscrow();
        (address gasToken,) = registry.gasPayingToken(chainId);
        if (gasToken == GasPayingToken.ETHER) revert ChainUsesEth(chainId);
        uint256 received = _pullTokens(gasToken, amount);
        erc20Locked[chainId][gasToken] += received;
        escrowAdded[chainId] += received;
        emit EscrowAdded(chainId, gasToken, msg.sender, received);
    }

    // ---------------------------------------------------------- inter-chain flows

    /// @notice Moves escrow behind ETH that chain `source` sent to other chains on L2: for each
    ///         `destinations[i]`, `proofs[i]` opens `ethSentTo[destination]` (slot
    ///         keccak256(destination ‖ 2)) of `source`'s message passer in the finalized output
    ///         `outputIndex`; what that total adds to {ethFlowSettled} moves from
    ///         `ethLocked[source]` to `ethLocked[destination]`. Anyone may call it (the network
    ///         does after each final output). Reverts with {InsufficientLockedEth} if `source`
    ///         claims to have sent more than it holds: a chain's escrow never goes negative.
    ///         A total at or below what is settled (an older output) moves nothing.
    function settleEthFlows(
        uint256 source,
        uint256 outputIndex,
        OutputRootProof calldata proof,
        uint256[] calldata destinations,
        bytes[][] calldata proofs
    ) external {
        if (destinations.length != proofs.length) revert FlowProofCountMismatch(destinations.length, proofs.length);
        (address gasToken,) = registry.gasPayingToken(source);
        if (gasToken != GasPayingToken.ETHER) revert ChainUsesGasToken(source, gasToken);
        if (!oracle.isFinalized(source, outputIndex)) revert OutputNotFinalized(source, outputIndex);
        bytes32 outputRoot = oracle.getOutput(source, outputIndex).outputRoot;
        bytes32 computed = computeOutputRoot(proof);
        if (computed != outputRoot) revert OutputRootMismatch(outputRoot, computed);

        for (uint256 i = 0; i < destinations.length; i++) {
            if (destinations[i] == source) revert FlowToSelf(source);
            _settleFlow(
                source,
                destinations[i],
                _provenEthSent(destinations[i], proofs[i], proof.messagePasserStorageRoot),
                outputIndex
            );
        }
    }

    /// @notice Moves what `total` adds to the settled flow `source → destination`.
    function _settleFlow(uint256 source, uint256 destination, uint256 total, uint256 outputIndex) private {
        uint256 settled = ethFlowSettled[source][destination];
        if (total <= settled) return;
        uint256 amount = total - settled;
        uint256 locked = ethLocked[source];
        if (locked < amount) revert InsufficientLockedEth(source, locked, amount);
        ethLocked[source] = locked - amount;
        // Credited whatever the destination is: ETH sent to a chain that is not (yet)
        // registered, or cannot take ETH, stays escrowed under its id, never back with a
        // sender that no longer holds it.
        ethLocked[destination] += amount;
        ethFlowSettled[source][destination] = total;
        emit EthFlowSettled(source, destination, amount, total, outputIndex);
    }

    /// @notice `ethSentTo[destination]` in the message passer storage under `storageRoot`
    ///         (zero when the proof shows the slot empty).
    function _provenEthSent(uint256 destination, bytes[] calldata storageProof, bytes32 storageRoot)
        private
        pure
        returns (uint256)
    {
        bytes32 slot = keccak256(abi.encode(destination, uint256(2)));
        (bool exists, bytes memory raw) = SecureMerkleTrie.get(abi.encode(slot), storageProof, storageRoot);
        if (!exists) return 0;
        bytes memory value = RLPReader.readBytes(RLPReader.toItem(raw));
        if (value.length > 32) revert InvalidFlowValue();
        return uint256(bytes32(value)) >> (8 * (32 - value.length));
    }

    // --------------------------------------------------------------- withdrawals

    /// @notice The identifier of a withdrawal (as the L2 message passer computes it).
    function hashWithdrawal(WithdrawalTransaction calldata wtx) public pure returns (bytes32) {
        return Hashing.withdrawalHash(wtx.nonce, wtx.sender, wtx.target, wtx.value, wtx.gasLimit, wtx.data);
    }

    /// @notice The output root committed to by `proof`.
    function computeOutputRoot(OutputRootProof calldata proof) public pure returns (bytes32) {
        if (proof.version != bytes32(0)) revert UnsupportedOutputVersion(proof.version);
        return Hashing.outputRootV0(proof.stateRoot, proof.messagePasserStorageRoot, proof.latestBlockhash);
    }

    /// @notice Proves that `wtx` was sent on L2 `chainId`: `proof` opens the output at
    ///         `outputIndex`, and `withdrawalProof` shows `sentMessages[hash] == true` in the
    ///         message passer's storage (slot 0 mapping, so the slot is keccak(hash ‖ 0)).
    ///         Starts the challenge window of the withdrawal.
    function proveWithdrawal(
        uint256 chainId,
        WithdrawalTransaction calldata wtx,
        uint256 outputIndex,
        OutputRootProof calldata proof,
        bytes[] calldata withdrawalProof
    ) external {
        if (wtx.target == address(this)) _checkPortalCall(wtx);
        bytes32 withdrawalHash = hashWithdrawal(wtx);
        if (finalizedWithdrawals[chainId][withdrawalHash]) revert WithdrawalAlreadyFinalized(chainId, withdrawalHash);

        bytes32 outputRoot = oracle.getOutput(chainId, outputIndex).outputRoot;
        bytes32 computed = computeOutputRoot(proof);
        if (computed != outputRoot) revert OutputRootMismatch(outputRoot, computed);

        ProvenWithdrawal storage previous = provenWithdrawals[chainId][withdrawalHash];
        if (previous.timestamp != 0) {
            (bytes32 previousRoot,) = _outputAt(chainId, previous.outputIndex);
            if (previousRoot == previous.outputRoot) revert WithdrawalAlreadyProven(chainId, withdrawalHash);
        }

        bytes32 slot = keccak256(abi.encode(withdrawalHash, uint256(0)));
        if (!SecureMerkleTrie.verifyInclusionProof(
                abi.encode(slot), hex"01", withdrawalProof, proof.messagePasserStorageRoot
            )) revert InvalidWithdrawalProof();

        provenWithdrawals[chainId][withdrawalHash] =
            ProvenWithdrawal(outputRoot, uint128(block.timestamp), uint128(outputIndex));
        emit WithdrawalProven(chainId, withdrawalHash, wtx.sender, wtx.target);
    }

    /// @notice Executes a proven withdrawal once the chain's challenge window has passed both
    ///         since it was proven and since its output was proposed.
    /// @dev If the call to `wtx.target` fails, the whole finalization reverts with the call's
    ///      revert data, so the withdrawal stays finalizable and can be retried (e.g. once the
    ///      target accepts it). The alternative, marking it finalized anyway, would burn the
    ///      withdrawn value on a transient failure. Consequently `success` in
    ///      {WithdrawalFinalized} is always true. The gas check keeps a relayer from making the
    ///      call fail by sending too little gas.
    function finalizeWithdrawal(uint256 chainId, WithdrawalTransaction calldata wtx) external {
        // Chain id 0 is never registered, so a non-zero one means a withdrawal is executing.
        if (_l2ChainId != 0) revert ReentrantFinalize();
        bytes32 withdrawalHash = hashWithdrawal(wtx);
        if (finalizedWithdrawals[chainId][withdrawalHash]) revert WithdrawalAlreadyFinalized(chainId, withdrawalHash);
        ProvenWithdrawal memory proven = provenWithdrawals[chainId][withdrawalHash];
        if (proven.timestamp == 0) revert WithdrawalNotProven(chainId, withdrawalHash);

        uint256 window = registry.challengeWindow(chainId);
        if (block.timestamp <= proven.timestamp + window) {
            revert ChallengeWindowNotElapsed(chainId, proven.timestamp + window);
        }
        (bytes32 currentRoot, uint256 outputTimestamp) = _outputAt(chainId, proven.outputIndex);
        if (currentRoot != proven.outputRoot) revert ProvenOutputInvalidated(chainId, proven.outputIndex);
        if (block.timestamp <= outputTimestamp + window) {
            revert ChallengeWindowNotElapsed(chainId, outputTimestamp + window);
        }

        finalizedWithdrawals[chainId][withdrawalHash] = true;
        if (isEscrowedToken[wtx.target]) revert CallToEscrowedToken(wtx.target);

        _l2Sender = wtx.sender;
        _l2ChainId = chainId;
        (address gasToken, uint8 decimals) = registry.gasPayingToken(chainId);
        bool success = gasToken == GasPayingToken.ETHER
            ? _releaseEth(chainId, wtx)
            : _releaseGasToken(chainId, wtx, gasToken, decimals);
        _l2Sender = address(0);
        _l2ChainId = 0;
        if (!success) {
            assembly ("memory-safe") {
                let ptr := mload(0x40)
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
        }
        emit WithdrawalFinalized(chainId, withdrawalHash, true);
    }

    /// @notice Releases ERC-20 tokens for a withdrawal from the L2 bridge. Reachable only as the
    ///         call of such a withdrawal (the portal calling itself while `l2Sender` is the
    ///         bridge); the chain is the one being finalized, so only its escrow is touched.
    function finalizeERC20Withdrawal(address l1Token, address from, address to, uint256 amount) external {
        if (msg.sender != address(this) || _l2Sender != Predeploys.L2_STANDARD_BRIDGE) revert NotFromL2Bridge();
        uint256 chainId = _l2ChainId;
        uint256 locked = erc20Locked[chainId][l1Token];
        if (locked < amount) revert InsufficientLockedTokens(chainId, l1Token, locked, amount);
        erc20Locked[chainId][l1Token] = locked - amount;
        IERC20(l1Token).safeTransfer(to, amount);
        emit ERC20WithdrawalFinalized(chainId, l1Token, from, to, amount);
    }

    /// @notice The L2 sender of the withdrawal being executed, {DEFAULT_L2_SENDER} otherwise.
    ///         L1 contracts that trust an L2 sender must also check {l2ChainId}: the same
    ///         address on another chain of the network is a different party.
    function l2Sender() external view returns (address) {
        address sender = _l2Sender;
        return sender == address(0) ? DEFAULT_L2_SENDER : sender;
    }

    /// @notice The chain of the withdrawal being executed, 0 otherwise.
    function l2ChainId() external view returns (uint256) {
        return _l2ChainId;
    }

    // ------------------------------------------------------------------ internals

    /// @notice Escrows `msg.value` for an ETH chain; reverts for a gas-token (or unknown) chain.
    function _lockEth(uint256 chainId) private {
        (address gasToken,) = registry.gasPayingToken(chainId);
        if (gasToken != GasPayingToken.ETHER) revert ChainUsesGasToken(chainId, gasToken);
        ethLocked[chainId] += msg.value;
    }

    /// @notice Reverts with the registry's `ChainNotRegistered` for an unknown chain.
    function _requireRegistered(uint256 chainId) private view {
        registry.gasPayingToken(chainId);
    }

    /// @notice Escrows `amount` of a gas-token chain's token; returns the L2 wei to mint for
    ///         what arrived.
    function _lockGasToken(uint256 chainId, uint256 amount) private returns (uint256 l2Amount) {
        (address gasToken, uint8 decimals) = registry.gasPayingToken(chainId);
        if (gasToken == GasPayingToken.ETHER) revert ChainUsesEth(chainId);
        if (amount == 0) return 0;
        uint256 received = _pullTokens(gasToken, amount);
        erc20Locked[chainId][gasToken] += received;
        return received * GasPayingToken.unit(decimals);
    }

    /// @notice Moves `amount` of `token` from the caller here; returns what actually arrived
    ///         (fee-on-transfer tokens deliver less). Non-reentrant: the balance difference
    ///         would otherwise count a nested deposit twice.
    function _pullTokens(address token, uint256 amount) private returns (uint256 received) {
        if (_depositingERC20) revert ReentrantDeposit();
        if (token.code.length == 0) revert InvalidToken(token);
        _depositingERC20 = true;
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 balanceAfter = IERC20(token).balanceOf(address(this));
        // A token whose balances can shrink during the transfer (a rebase) delivered nothing
        // countable; without this check the subtraction would panic.
        if (balanceAfter <= before) revert NothingReceived();
        received = balanceAfter - before;
        if (!isEscrowedToken[token]) isEscrowedToken[token] = true;
        _depositingERC20 = false;
    }

    /// @notice An ETH chain's withdrawal: the call carries `value` out of the chain's escrow.
    function _releaseEth(uint256 chainId, WithdrawalTransaction calldata wtx) private returns (bool) {
        uint256 locked = ethLocked[chainId];
        if (locked < wtx.value) revert InsufficientLockedEth(chainId, locked, wtx.value);
        ethLocked[chainId] = locked - wtx.value;
        nativeReleased[chainId] += wtx.value;
        return _call(wtx.target, wtx.value, wtx.gasLimit, wtx.data);
    }

    /// @notice A gas-token chain's withdrawal: `value` (L2 wei) becomes whole token units sent
    ///         to the target out of the chain's escrow; the call, if the withdrawal has data,
    ///         then runs without value (as in the OP Stack design).
    function _releaseGasToken(uint256 chainId, WithdrawalTransaction calldata wtx, address gasToken, uint8 decimals)
        private
        returns (bool)
    {
        uint256 unit = GasPayingToken.unit(decimals);
        if (wtx.value % unit != 0) revert InexactGasTokenAmount(wtx.value, unit);
        uint256 amount = wtx.value / unit;
        uint256 locked = erc20Locked[chainId][gasToken];
        if (locked < amount) revert InsufficientLockedTokens(chainId, gasToken, locked, amount);
        erc20Locked[chainId][gasToken] = locked - amount;
        nativeReleased[chainId] += wtx.value;
        if (amount != 0) IERC20(gasToken).safeTransfer(wtx.target, amount);
        return wtx.data.length == 0 || _call(wtx.target, 0, wtx.gasLimit, wtx.data);
    }

    /// @notice The deposit's L2 sender: the caller itself for an EOA, its alias for a contract.
    function _depositor() private view returns (address) {
        return msg.sender == tx.origin ? msg.sender : AddressAlias.applyL1ToL2Alias(msg.sender);
    }

    function _deposit(
        uint256 chainId,
        address from,
        address to,
        uint256 mint,
        uint256 value,
        uint64 gasLimit,
        bool isCreation,
        bytes memory data
    ) private {
        // The caller has checked that the chain is registered (every path asks the registry
        // for the chain's native asset, which reverts for an unknown chain).
        if (isCreation && to != address(0)) revert CreationWithTarget();
        uint256 minimum = DEPOSIT_BASE_GAS + DEPOSIT_GAS_PER_BYTE * data.length;
        if (gasLimit < minimum) revert GasLimitTooLow(gasLimit, minimum);
        if (gasLimit > MAX_DEPOSIT_GAS) revert GasLimitTooHigh(gasLimit, MAX_DEPOSIT_GAS);
        _meterDepositGas(chainId, gasLimit);

        uint256 nonce = depositNonce[chainId]++;
        emit TransactionDeposited(
            chainId, from, to, nonce, abi.encodePacked(mint, value, gasLimit, isCreation, data)
        );
    }

    function _meterDepositGas(uint256 chainId, uint64 gasLimit) private {
        DepositGasMeter memory meter = _depositGas[chainId];
        uint256 used = meter.blockNumber == block.number ? meter.used : 0;
        if (used + gasLimit > MAX_DEPOSIT_GAS_PER_BLOCK) revert DepositGasCapReached(chainId, used, gasLimit);
        _depositGas[chainId] = DepositGasMeter(uint64(block.number), uint64(used + gasLimit));
    }

    /// @notice A withdrawal may target the portal only as the bridge's ERC-20 release.
    function _checkPortalCall(WithdrawalTransaction calldata wtx) private pure {
        if (
            wtx.sender != Predeploys.L2_STANDARD_BRIDGE || wtx.value != 0 || wtx.data.length < 4
                || bytes4(wtx.data[:4]) != Portal.finalizeERC20Withdrawal.selector
        ) revert InvalidPortalCall();
    }

    /// @notice The root and timestamp of the oracle's output at `index`; zero if there is none
    ///         (deleted), which never equals a proven root.
    function _outputAt(uint256 chainId, uint256 index) private view returns (bytes32 root, uint256 timestamp) {
        if (index >= oracle.outputCount(chainId)) return (bytes32(0), 0);
        OutputOracle.OutputProposal memory output = oracle.getOutput(chainId, index);
        return (output.outputRoot, output.timestamp);
    }

    /// @notice Calls `target` with exactly `gasLimit` gas, without copying its return data
    ///         (a large return would only cost gas here).
    function _call(address target, uint256 value, uint256 gasLimit, bytes calldata data)
        private
        returns (bool success)
    {
        // No block has 2^64 gas; the bound also keeps the sum below from overflowing.
        if (gasLimit > type(uint64).max) revert InsufficientGas(gasleft(), gasLimit);
        // EIP-150: a call receives at most 63/64 of the gas left after its own cost.
        uint256 required = gasLimit + gasLimit / 63 + RELAY_GAS_BUFFER;
        if (gasleft() < required) revert InsufficientGas(gasleft(), required);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, data.offset, data.length)
            success := call(gasLimit, target, value, ptr, data.length, 0, 0)
        }
    }

    /// @notice Reads a token's `name()`/`symbol()`; falls back on a failed call, a malformed
    ///         or empty return, or one longer than {MAX_METADATA_LENGTH}. Decoded by hand: a
    ///         try/catch would still revert on return data that does not decode as a string
    ///         (e.g. the `bytes32` names of some old tokens).
    function _readString(address token, bytes4 selector, string memory fallbackValue)
        private
        view
        returns (string memory result)
    {
        bool ok;
        uint256 size;
        uint256 offset;
        uint256 length;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            ok := staticcall(METADATA_GAS, token, 0x00, 0x04, 0x00, 0x00)
            size := returndatasize()
            if and(ok, gt(size, 0x3f)) {
                returndatacopy(0x00, 0x00, 0x40)
                offset := mload(0x00)
                length := mload(0x20)
            }
        }
        if (!ok || size < 64 || offset != 32 || length == 0 || length > MAX_METADATA_LENGTH || size < 64 + length) {
            return fallbackValue;
        }
        result = new string(length);
        assembly ("memory-safe") {
            returndatacopy(add(result, 0x20), 0x40, length)
        }
    }

    /// @notice A token's `decimals()`, 18 if the call fails or returns something out of range.
    function _readDecimals(address token) private view returns (uint8) {
        bool ok;
        uint256 size;
        uint256 value;
        assembly ("memory-safe") {
            mstore(0x00, 0x313ce567) // decimals()
            ok := staticcall(METADATA_GAS, token, 0x1c, 0x04, 0x00, 0x20)
            size := returndatasize()
            value := mload(0x00)
        }
        if (!ok || size < 32 || value > type(uint8).max) return 18;
        return uint8(value);
    }
}
