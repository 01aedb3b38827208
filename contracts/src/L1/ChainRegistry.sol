// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GasPayingToken} from "../shared/GasPayingToken.sol";

/// @title ChainRegistry
/// @notice The L1 record of every rollup chain in the network, keyed by L2 chain id. The other
///         settlement contracts (batch inbox, output oracle, portal) serve all chains at once and
///         ask this registry who may act for a chain and how long its challenge window is.
/// @dev The full chain config is not stored, only its hash: the bytes are emitted in
///      {ChainRegistered}, so anyone can rebuild a chain from L1 logs alone and check the bytes
///      against {ChainInfo.configHash}.
contract ChainRegistry {
    /// @notice What L1 knows about one chain.
    struct ChainInfo {
        /// @notice keccak256 of the config bytes emitted at registration.
        bytes32 configHash;
        /// @notice Hash of the chain's L2 genesis block.
        bytes32 genesisHash;
        /// @notice The chain's batcher of record. Batches are posted by the registry's
        ///         {networkBatcher} for all chains at once; the inbox no longer reads this field
        ///         (kept so the registration ABI stays stable; see ARCHITECTURE.md, Settlement).
        address batcher;
        /// @notice The only account that may propose output roots for the chain.
        address proposer;
        /// @notice Seconds an output stays challengeable (deletable by the guardian) before
        ///         withdrawals against it can be finalized.
        uint64 challengeWindow;
        /// @notice The L1 block in which the chain was registered: where derivation starts.
        uint64 registeredAtBlock;
        /// @notice Distinguishes a registered chain from an empty record.
        bool registered;
        /// @notice The L1 ERC-20 that is the chain's native asset; zero when it is ETH. Fixed at
        ///         registration: the chain's L2 genesis and the portal's escrow depend on it.
        ///         Packed into the slot of `registered`, so the portal's per-deposit lookup
        ///         costs one storage read.
        address gasToken;
        /// @notice `gasToken.decimals()` read at registration (0…18); 0 for ETH.
        uint8 gasTokenDecimals;
    }

    /// @notice May register chains and change their roles.
    address public owner;
    /// @notice May delete outputs of any chain while they are inside their challenge window.
    ///         Zero means no one can; outputs still wait out the window before they are final.
    address public guardian;

    /// @notice The only account that may post network batches (every chain's blocks, together)
    ///         to the BatchInbox. Zero until the owner sets it: no one can post.
    address public networkBatcher;

    mapping(uint256 chainId => ChainInfo) private _chains;
    uint256[] private _chainIds;

    event ChainRegistered(
        uint256 indexed chainId,
        bytes32 genesisHash,
        address batcher,
        address proposer,
        uint64 challengeWindow,
        bytes config
    );
    /// @notice The chain registered in the same transaction uses `token` as its native asset.
    event GasPayingTokenSet(uint256 indexed chainId, address indexed token, uint8 decimals);
    event BatcherUpdated(uint256 indexed chainId, address indexed previousBatcher, address indexed newBatcher);
    event ProposerUpdated(uint256 indexed chainId, address indexed previousProposer, address indexed newProposer);
    event NetworkBatcherUpdated(address indexed previousBatcher, address indexed newBatcher);
    event GuardianUpdated(address indexed previousGuardian, address indexed newGuardian);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the owner.
    error NotOwner(address caller);
    /// @notice Chain id 0 is reserved (it is the "none" value of `Portal.l2ChainId`).
    error InvalidChainId();
    /// @notice The chain id is taken; registration cannot be changed, only roles can.
    error ChainAlreadyRegistered(uint256 chainId);
    /// @notice No chain with this id is registered.
    error ChainNotRegistered(uint256 chainId);
    /// @notice A role that must always be held was set to the zero address.
    error ZeroAddress();
    /// @notice The gas token is not a contract whose `decimals()` returns a value in 0…18 (or it
    ///         is zero / the ETHER placeholder: register an ETH chain with {registerChain}).
    error InvalidGasToken(address token);
    /// @notice A challenge window of zero makes every output final at once: no one could ever
    ///         delete a wrong output before withdrawals use it.
    error ZeroChallengeWindow();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    constructor(address owner_, address guardian_) {
        if (owner_ == address(0)) revert ZeroAddress();
        owner = owner_;
        guardian = guardian_;
        emit OwnershipTransferred(address(0), owner_);
        emit GuardianUpdated(address(0), guardian_);
    }

    /// @notice Registers a new chain whose native asset is ETH. The config bytes are only hashed
    ///         and emitted, never interpreted on L1.
    function registerChain(
        uint256 chainId,
        bytes32 genesisHash,
        address batcher_,
        address proposer_,
        uint64 challengeWindow_,
        bytes calldata config
    ) external onlyOwner {
        _register(chainId, genesisHash, batcher_, proposer_, challengeWindow_, config, address(0), 0);
    }

    /// @notice Registers a new chain whose native asset is the L1 ERC-20 `gasToken` (OP Stack
    ///         "custom gas token"): the portal takes deposits of it instead of ETH and releases
    ///         it for withdrawals. Its decimals (0…18) are read here and fixed, as is the token.
    function registerChainWithGasToken(
        uint256 chainId,
        bytes32 genesisHash,
        address batcher_,
        address proposer_,
        uint64 challengeWindow_,
        bytes calldata config,
        address gasToken
    ) external onlyOwner {
        uint8 decimals = _readDecimals(gasToken);
        _register(chainId, genesisHash, batcher_, proposer_, challengeWindow_, config, gasToken, decimals);
        emit GasPayingTokenSet(chainId, gasToken, decimals);
    }

    function _register(
        uint256 chainId,
        bytes32 genesisHash,
        address batcher_,
        address proposer_,
        uint64 challengeWindow_,
        bytes calldata config,
        address gasToken,
        uint8 gasTokenDecimals
    ) private {
        if (chainId == 0) revert InvalidChainId();
        if (_chains[chainId].registered) revert ChainAlreadyRegistered(chainId);
        if (batcher_ == address(0) || proposer_ == address(0)) revert ZeroAddress();
        if (challengeWindow_ == 0) revert ZeroChallengeWindow();
        _chains[chainId] = ChainInfo({
            configHash: keccak256(config),
            genesisHash: genesisHash,
            batcher: batcher_,
            proposer: proposer_,
            challengeWindow: challengeWindow_,
            registeredAtBlock: uint64(block.number),
            registered: true,
            gasToken: gasToken,
            gasTokenDecimals: gasTokenDecimals
        });
        _chainIds.push(chainId);
        emit ChainRegistered(chainId, genesisHash, batcher_, proposer_, challengeWindow_, config);
    }

    /// @notice Replaces a chain's batcher of record (not who may post: see {setNetworkBatcher}).
    function setBatcher(uint256 chainId, address newBatcher) external onlyOwner {
        ChainInfo storage c = _registered(chainId);
        if (newBatcher == address(0)) revert ZeroAddress();
        emit BatcherUpdated(chainId, c.batcher, newBatcher);
        c.batcher = newBatcher;
    }

    /// @notice Replaces a chain's proposer.
    function setProposer(uint256 chainId, address newProposer) external onlyOwner {
        ChainInfo storage c = _registered(chainId);
        if (newProposer == address(0)) revert ZeroAddress();
        emit ProposerUpdated(chainId, c.proposer, newProposer);
        c.proposer = newProposer;
    }

    /// @notice Sets the network batcher (first set, or a key rotation).
    function setNetworkBatcher(address newBatcher) external onlyOwner {
        if (newBatcher == address(0)) revert ZeroAddress();
        emit NetworkBatcherUpdated(networkBatcher, newBatcher);
        networkBatcher = newBatcher;
    }

    /// @notice Replaces the guardian of all chains; zero removes the role.
    function setGuardian(address newGuardian) external onlyOwner {
        emit GuardianUpdated(guardian, newGuardian);
        guardian = newGuardian;
    }

    /// @notice Hands the owner role to `newOwner`. There is no renounce: without an owner no
    ///         chain could ever be registered again.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice The chain's record; all zero (with `registered == false`) for an unknown id.
    function getChain(uint256 chainId) external view returns (ChainInfo memory) {
        return _chains[chainId];
    }

    function isRegistered(uint256 chainId) external view returns (bool) {
        return _chains[chainId].registered;
    }

    /// @notice The chain's batcher. Reverts for an unknown chain so that callers get a clear
    ///         error instead of comparing against the zero address.
    function batcher(uint256 chainId) external view returns (address) {
        return _registered(chainId).batcher;
    }

    /// @notice The chain's proposer; reverts for an unknown chain.
    function proposer(uint256 chainId) external view returns (address) {
        return _registered(chainId).proposer;
    }

    /// @notice The chain's challenge window in seconds; reverts for an unknown chain.
    function challengeWindow(uint256 chainId) external view returns (uint64) {
        return _registered(chainId).challengeWindow;
    }

    /// @notice The chain's native asset and its decimals, as the OP Stack's `gasPayingToken()`:
    ///         `(GasPayingToken.ETHER, 18)` for an ETH chain. Reverts for an unknown chain (the
    ///         portal relies on that instead of a separate {isRegistered} call).
    function gasPayingToken(uint256 chainId) external view returns (address token, uint8 decimals) {
        ChainInfo storage c = _registered(chainId);
        if (c.gasToken == address(0)) return (GasPayingToken.ETHER, 18);
        return (c.gasToken, c.gasTokenDecimals);
    }

    /// @notice Whether the chain's native asset is an ERC-20 rather than ETH; reverts for an
    ///         unknown chain.
    function isCustomGasToken(uint256 chainId) external view returns (bool) {
        return _registered(chainId).gasToken != address(0);
    }

    /// @notice Every registered chain id, in registration order.
    function chainIds() external view returns (uint256[] memory) {
        return _chainIds;
    }

    function _registered(uint256 chainId) private view returns (ChainInfo storage c) {
        c = _chains[chainId];
        if (!c.registered) revert ChainNotRegistered(chainId);
    }

    /// @notice `token.decimals()`, required to be a 32-byte answer in 0…18 from a contract.
    function _readDecimals(address token) private view returns (uint8) {
        if (token == address(0) || token == GasPayingToken.ETHER || token.code.length == 0) revert InvalidGasToken(token);
        (bool ok, bytes memory ret) = token.staticcall{gas: 100_000}(abi.encodeWithSignature("decimals()"));
        if (!ok || ret.length != 32) revert InvalidGasToken(token);
        uint256 decimals = abi.decode(ret, (uint256));
        if (decimals > GasPayingToken.MAX_DECIMALS) revert InvalidGasToken(token);
        return uint8(decimals);
    }
}
