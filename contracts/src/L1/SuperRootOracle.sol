// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChainRegistry} from "./ChainRegistry.sol";

/// @title SuperRootOracle
/// @notice Super roots of the whole network: one commitment per L2 timestamp to the output root
///         of every chain (OP interop "super root", version 1), in order of timestamp.
///
///         The encoding a super root hashes (its preimage) is
///           0x01 ‖ uint64 timestamp ‖ (uint256 chainId ‖ bytes32 outputRoot)*
///         with the chains sorted by ascending chain id, each chain's output root being that of
///         its newest block whose timestamp is at most `timestamp`. The proposer passes the
///         preimage, so anyone can read from L1 which chains and output roots a super root
///         commits to; the oracle checks that it hashes to the root, carries the same timestamp,
///         and lists registered chains in strictly ascending order. Whether the output roots are
///         right is for verifiers to check off chain (and the guardian to act on).
///
///         Roles follow the ChainRegistry: its owner sets the proposer and the challenge window,
///         its guardian may delete super roots inside their challenge window.
contract SuperRootOracle {
    /// @notice One proposed super root.
    struct SuperRootProposal {
        /// @notice keccak256 of the version-1 encoding (see the contract notice).
        bytes32 superRoot;
        /// @notice The L2 timestamp the root describes.
        uint64 l2Timestamp;
        /// @notice L1 timestamp of the proposal: the challenge window runs from here.
        uint64 l1Timestamp;
        /// @notice The challenge window when it was proposed (a later change does not apply).
        uint64 challengeWindow;
    }

    bytes1 public constant SUPER_ROOT_VERSION = 0x01;
    /// @notice Version byte and timestamp.
    uint256 private constant HEADER_LENGTH = 9;
    /// @notice Chain id and output root.
    uint256 private constant ENTRY_LENGTH = 64;

    ChainRegistry public immutable registry;
    /// @notice The only account that may propose super roots; zero until the owner sets one.
    address public proposer;
    /// @notice Seconds a new super root stays deletable by the guardian.
    uint64 public challengeWindow;

    SuperRootProposal[] private _roots;

    event SuperRootProposed(uint256 indexed index, uint64 indexed l2Timestamp, bytes32 superRoot, uint256 l1Timestamp);
    event SuperRootsDeleted(uint256 fromIndex, uint256 previousCount);
    event ProposerUpdated(address indexed previousProposer, address indexed newProposer);
    event ChallengeWindowUpdated(uint64 previousWindow, uint64 newWindow);

    /// @notice The caller is not the registry's owner.
    error NotOwner(address caller);
    /// @notice The caller is not the proposer.
    error NotProposer(address caller);
    /// @notice The caller is not the registry's guardian.
    error NotGuardian(address caller);
    /// @notice Super roots must move forward: the timestamp must exceed `latest`.
    error TimestampNotIncreasing(uint64 latest, uint64 l2Timestamp);
    /// @notice The preimage is not a version byte and timestamp followed by at least one
    ///         64-byte (chain id, output root) entry.
    error InvalidPreimageLength(uint256 length);
    /// @notice The preimage's version byte is not 1.
    error UnsupportedVersion(bytes1 version);
    /// @notice The preimage describes another timestamp than the one proposed.
    error PreimageTimestampMismatch(uint64 l2Timestamp, uint64 preimageTimestamp);
    /// @notice keccak256(preimage) is not the proposed super root.
    error PreimageMismatch(bytes32 superRoot, bytes32 preimageHash);
    /// @notice The chain ids in the preimage are not strictly ascending (entry `index`).
    error ChainsNotSorted(uint256 index);
    /// @notice The preimage names a chain the registry does not know.
    error ChainNotRegistered(uint256 chainId);
    /// @notice The proposal was computed against an L1 block that is no longer canonical (or
    ///         older than the 256 blocks `blockhash` can see).
    error L1BlockHashMismatch(uint256 l1BlockNumber, bytes32 expected, bytes32 actual);
    /// @notice No super root at this index.
    error SuperRootNotFound(uint256 index);
    /// @notice The super root has left its challenge window; it can no longer be deleted.
    error SuperRootFinalized(uint256 index);

    constructor(ChainRegistry registry_) {
        registry = registry_;
    }

    modifier onlyOwner() {
        if (msg.sender != registry.owner()) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Replaces the proposer; zero stops all proposals.
    function setProposer(address newProposer) external onlyOwner {
        emit ProposerUpdated(proposer, newProposer);
        proposer = newProposer;
    }

    /// @notice Sets the challenge window of super roots proposed from now on.
    function setChallengeWindow(uint64 newWindow) external onlyOwner {
        emit ChallengeWindowUpdated(challengeWindow, newWindow);
        challengeWindow = newWindow;
    }

    /// @notice Proposes the super root of L2 timestamp `l2Timestamp`.
    /// @param preimage the version-1 encoding `superRoot` is the keccak256 of.
    /// @param l1BlockHash if non-zero, the proposal only lands while `l1BlockNumber` still has
    ///        this hash, so a root computed from an L1 chain that was since reorged away (whose
    ///        safe L2 blocks may differ) reverts instead of being recorded.
    function proposeSuperRoot(
        uint64 l2Timestamp,
        bytes32 superRoot,
        bytes calldata preimage,
        bytes32 l1BlockHash,
        uint256 l1BlockNumber
    ) external {
        if (msg.sender != proposer) revert NotProposer(msg.sender);
        uint256 count = _roots.length;
        uint64 latest = count == 0 ? 0 : _roots[count - 1].l2Timestamp;
        if (l2Timestamp <= latest) revert TimestampNotIncreasing(latest, l2Timestamp);
        _checkPreimage(l2Timestamp, superRoot, preimage);
        if (l1BlockHash != bytes32(0)) {
            bytes32 actual = blockhash(l1BlockNumber);
            if (actual != l1BlockHash) revert L1BlockHashMismatch(l1BlockNumber, l1BlockHash, actual);
        }
        _roots.push(SuperRootProposal(superRoot, l2Timestamp, uint64(block.timestamp), challengeWindow));
        emit SuperRootProposed(count, l2Timestamp, superRoot, block.timestamp);
    }

    /// @notice Deletes the super root at `fromIndex` and every later one. Only while that root
    ///         is still inside its challenge window.
    function deleteSuperRoots(uint256 fromIndex) external {
        if (msg.sender != registry.guardian()) revert NotGuardian(msg.sender);
        uint256 count = _roots.length;
        if (fromIndex >= count) revert SuperRootNotFound(fromIndex);
        SuperRootProposal storage root = _roots[fromIndex];
        if (uint256(root.l1Timestamp) + root.challengeWindow <= block.timestamp) revert SuperRootFinalized(fromIndex);
        for (uint256 i = count; i > fromIndex; --i) _roots.pop();
        emit SuperRootsDeleted(fromIndex, count);
    }

    function superRootCount() external view returns (uint256) {
        return _roots.length;
    }

    /// @notice The super root at `index`; reverts if there is none.
    function superRootAt(uint256 index) external view returns (SuperRootProposal memory) {
        if (index >= _roots.length) revert SuperRootNotFound(index);
        return _roots[index];
    }

    /// @notice The L2 timestamp of the latest super root, 0 if there is none.
    function latestTimestamp() external view returns (uint64) {
        uint256 count = _roots.length;
        return count == 0 ? 0 : _roots[count - 1].l2Timestamp;
    }

    /// @notice Whether the super root at `index` exists and its challenge window has passed.
    ///         False (not a revert) for a missing or deleted index.
    function isFinalized(uint256 index) external view returns (bool) {
        if (index >= _roots.length) return false;
        SuperRootProposal storage root = _roots[index];
        return block.timestamp > uint256(root.l1Timestamp) + root.challengeWindow;
    }

    function _checkPreimage(uint64 l2Timestamp, bytes32 superRoot, bytes calldata preimage) private view {
        uint256 length = preimage.length;
        if (length < HEADER_LENGTH + ENTRY_LENGTH || (length - HEADER_LENGTH) % ENTRY_LENGTH != 0) {
            revert InvalidPreimageLength(length);
        }
        if (preimage[0] != SUPER_ROOT_VERSION) revert UnsupportedVersion(preimage[0]);
        uint64 timestamp = uint64(bytes8(preimage[1:HEADER_LENGTH]));
        if (timestamp != l2Timestamp) revert PreimageTimestampMismatch(l2Timestamp, timestamp);
        bytes32 hash = keccak256(preimage);
        if (hash != superRoot) revert PreimageMismatch(superRoot, hash);
        uint256 previous;
        for (uint256 offset = HEADER_LENGTH; offset < length; offset += ENTRY_LENGTH) {
            uint256 chainId = uint256(bytes32(preimage[offset:offset + 32]));
            if (offset > HEADER_LENGTH && chainId <= previous) revert ChainsNotSorted((offset - HEADER_LENGTH) / ENTRY_LENGTH);
            if (!registry.isRegistered(chainId)) revert ChainNotRegistered(chainId);
            previous = chainId;
        }
    }
}
