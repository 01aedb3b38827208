// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChainRegistry} from "./ChainRegistry.sol";

/// @title OutputOracle
/// @notice L2 output roots proposed for every chain, in order of L2 block number. The portal
///         proves withdrawals against them. Security is optimistic: an output is trusted only
///         after its chain's challenge window, during which the guardian can delete it (and
///         every later output) if it is wrong.
contract OutputOracle {
    /// @notice One proposed output.
    struct OutputProposal {
        /// @notice keccak256(abi.encode(version 0, stateRoot, messagePasserStorageRoot, blockHash)).
        bytes32 outputRoot;
        /// @notice L1 timestamp of the proposal: the challenge window runs from here.
        uint128 timestamp;
        /// @notice The L2 block the root describes.
        uint128 l2BlockNumber;
    }

    ChainRegistry public immutable registry;

    mapping(uint256 chainId => OutputProposal[]) private _outputs;

    event OutputProposed(
        uint256 indexed chainId,
        uint256 indexed outputIndex,
        bytes32 outputRoot,
        uint256 l2BlockNumber,
        uint256 l1Timestamp
    );
    event OutputsDeleted(uint256 indexed chainId, uint256 fromIndex, uint256 previousCount);

    /// @notice The caller is not the chain's registered proposer.
    error NotProposer(uint256 chainId, address caller);
    /// @notice Raised by the registry (same signature) for a proposal to an unknown chain;
    ///         declared so the oracle's ABI decodes it.
    error ChainNotRegistered(uint256 chainId);
    /// @notice The caller is not the registry's guardian.
    error NotGuardian(address caller);
    /// @notice A zero output root would be indistinguishable from "no output".
    error EmptyOutputRoot();
    /// @notice Outputs must move forward: the block number must exceed `latest`.
    error BlockNumberNotIncreasing(uint256 latest, uint256 l2BlockNumber);
    /// @notice The block number does not fit the stored uint128.
    error BlockNumberTooLarge(uint256 l2BlockNumber);
    /// @notice The proposal was made against an L1 block that is no longer canonical (or is
    ///         older than the 256 blocks `blockhash` can see).
    error L1BlockHashMismatch(uint256 l1BlockNumber, bytes32 expected, bytes32 actual);
    /// @notice No output at this index.
    error OutputNotFound(uint256 chainId, uint256 index);
    /// @notice The output has left its challenge window; it can no longer be deleted.
    error OutputFinalized(uint256 chainId, uint256 index);
    /// @notice No output covers this L2 block yet.
    error NoOutputForBlock(uint256 chainId, uint256 l2BlockNumber);

    constructor(ChainRegistry registry_) {
        registry = registry_;
    }

    /// @notice Proposes the output root of L2 block `l2BlockNumber`.
    /// @param l1BlockHash if non-zero, the proposal only lands while `l1BlockNumber` still has
    ///        this hash, so a proposal computed from an L1 chain that was since reorged away
    ///        (and whose L2 derivation may differ) reverts instead of being recorded.
    function proposeOutput(
        uint256 chainId,
        bytes32 outputRoot,
        uint256 l2BlockNumber,
        bytes32 l1BlockHash,
        uint256 l1BlockNumber
    ) external {
        if (msg.sender != registry.proposer(chainId)) revert NotProposer(chainId, msg.sender);
        if (outputRoot == bytes32(0)) revert EmptyOutputRoot();
        if (l2BlockNumber > type(uint128).max) revert BlockNumberTooLarge(l2BlockNumber);
        OutputProposal[] storage outputs = _outputs[chainId];
        uint256 count = outputs.length;
        uint256 latest = count == 0 ? 0 : outputs[count - 1].l2BlockNumber;
        if (l2BlockNumber <= latest) revert BlockNumberNotIncreasing(latest, l2BlockNumber);
        if (l1BlockHash != bytes32(0)) {
            bytes32 actual = blockhash(l1BlockNumber);
            if (actual != l1BlockHash) revert L1BlockHashMismatch(l1BlockNumber, l1BlockHash, actual);
        }
        outputs.push(OutputProposal(outputRoot, uint128(block.timestamp), uint128(l2BlockNumber)));
        emit OutputProposed(chainId, count, outputRoot, l2BlockNumber, block.timestamp);
    }

    /// @notice Deletes the output at `fromIndex` and every later one (they may build on it).
    ///         Only while that output is still inside its challenge window: once withdrawals
    ///         could have been finalized against it, deleting it would change nothing but the
    ///         record.
    function deleteOutputs(uint256 chainId, uint256 fromIndex) external {
        if (msg.sender != registry.guardian()) revert NotGuardian(msg.sender);
        OutputProposal[] storage outputs = _outputs[chainId];
        uint256 count = outputs.length;
        if (fromIndex >= count) revert OutputNotFound(chainId, fromIndex);
        if (outputs[fromIndex].timestamp + registry.challengeWindow(chainId) <= block.timestamp) {
            revert OutputFinalized(chainId, fromIndex);
        }
        for (uint256 i = count; i > fromIndex; --i) outputs.pop();
        emit OutputsDeleted(chainId, fromIndex, count);
    }

    function outputCount(uint256 chainId) external view returns (uint256) {
        return _outputs[chainId].length;
    }

    /// @notice The output at `index`; reverts if there is none.
    function getOutput(uint256 chainId, uint256 index) external view returns (OutputProposal memory) {
        OutputProposal[] storage outputs = _outputs[chainId];
        if (index >= outputs.length) revert OutputNotFound(chainId, index);
        return outputs[index];
    }

    /// @notice The L2 block number of the latest output, 0 if there is none.
    function latestBlockNumber(uint256 chainId) external view returns (uint256) {
        OutputProposal[] storage outputs = _outputs[chainId];
        uint256 count = outputs.length;
        return count == 0 ? 0 : outputs[count - 1].l2BlockNumber;
    }

    /// @notice Index of the first output whose block number is at least `l2BlockNumber`: the
    ///         earliest output a withdrawal sent in that block can be proven against.
    function getOutputIndexFor(uint256 chainId, uint256 l2BlockNumber) external view returns (uint256) {
        OutputProposal[] storage outputs = _outputs[chainId];
        uint256 count = outputs.length;
        if (count == 0 || outputs[count - 1].l2BlockNumber < l2BlockNumber) {
            revert NoOutputForBlock(chainId, l2BlockNumber);
        }
        uint256 lo;
        uint256 hi = count - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (outputs[mid].l2BlockNumber < l2BlockNumber) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// @notice Whether the output at `index` exists and its challenge window has passed.
    ///         False (not a revert) for a missing or deleted index.
    function isFinalized(uint256 chainId, uint256 index) external view returns (bool) {
        OutputProposal[] storage outputs = _outputs[chainId];
        if (index >= outputs.length) return false;
        return block.timestamp > outputs[index].timestamp + registry.challengeWindow(chainId);
    }
}
