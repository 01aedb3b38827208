// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChainRegistry} from "./ChainRegistry.sol";

/// @title BatchInbox
/// @notice Where the network batcher posts the L2 transaction data of every chain at once:
///         one network batch carries, for each chain, the blocks of the same range of slots,
///         so nodes can derive the chains interleaved (cross-chain messages need that). The
///         contract stores nothing but a counter: nodes read the data from the transaction
///         itself (its calldata, or its blobs), which is far cheaper than storage and is all
///         data availability needs. The events give derivation an index to find those
///         transactions by, and the sender check makes sure only the registry's network
///         batcher's data is ever derived.
contract BatchInbox {
    ChainRegistry public immutable registry;

    /// @notice Number of network batches (calldata and blob) accepted; the next batch's index.
    uint256 public batchCount;

    event NetworkBatchSubmitted(uint256 indexed batchIndex, bytes32 dataHash);
    event NetworkBlobBatchSubmitted(uint256 indexed batchIndex, bytes32[] blobHashes);

    /// @notice The caller is not the registry's network batcher.
    error NotBatcher(address caller);
    /// @notice A calldata batch must carry data.
    error EmptyBatch();
    /// @notice A blob batch must be sent in a transaction that carries blobs.
    error NoBlobs();

    constructor(ChainRegistry registry_) {
        registry = registry_;
    }

    /// @notice Posts a network batch in calldata. `data` is deliberately only hashed: nodes take
    ///         it from the transaction input, and the hash lets them check they decoded the
    ///         right bytes.
    function submitNetworkBatch(bytes calldata data) external {
        _onlyBatcher();
        if (data.length == 0) revert EmptyBatch();
        emit NetworkBatchSubmitted(batchCount++, keccak256(data));
    }

    /// @notice Posts a network batch carried in this transaction's blobs; the versioned hashes
    ///         are emitted so nodes know which blobs to fetch from the consensus layer.
    function submitNetworkBlobBatch() external {
        _onlyBatcher();
        uint256 count;
        while (blobhash(count) != bytes32(0)) ++count;
        if (count == 0) revert NoBlobs();
        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i; i < count; ++i) hashes[i] = blobhash(i);
        emit NetworkBlobBatchSubmitted(batchCount++, hashes);
    }

    function _onlyBatcher() private view {
        if (msg.sender != registry.networkBatcher()) revert NotBatcher(msg.sender);
    }
}
