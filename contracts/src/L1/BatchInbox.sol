// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChainRegistry} from "./ChainRegistry.sol";

/// @title BatchInbox
/// @notice Where batchers post their chains' L2 transaction data. The contract stores nothing
///         but a counter: nodes read the data from the transaction itself (its calldata, or its
///         blobs), which is far cheaper than storage and is all data availability needs. The
///         events give derivation an index to find those transactions by, and the sender check
///         makes sure only the registered batcher's data is ever derived.
contract BatchInbox {
    ChainRegistry public immutable registry;

    /// @notice Number of batches (calldata and blob) accepted per chain; the next batch's index.
    mapping(uint256 chainId => uint256) public batchCount;

    event BatchSubmitted(uint256 indexed chainId, uint256 indexed batchIndex, bytes32 dataHash);
    event BlobBatchSubmitted(uint256 indexed chainId, uint256 indexed batchIndex, bytes32[] blobHashes);

    /// @notice The caller is not the chain's registered batcher.
    error NotBatcher(uint256 chainId, address caller);
    /// @notice A calldata batch must carry data.
    error EmptyBatch();
    /// @notice A blob batch must be sent in a transaction that carries blobs.
    error NoBlobs();

    constructor(ChainRegistry registry_) {
        registry = registry_;
    }

    /// @notice Posts a batch in calldata. `data` is deliberately only hashed: nodes take it from
    ///         the transaction input, and the hash lets them check they decoded the right bytes.
    function submitBatch(uint256 chainId, bytes calldata data) external {
        _onlyBatcher(chainId);
        if (data.length == 0) revert EmptyBatch();
        emit BatchSubmitted(chainId, batchCount[chainId]++, keccak256(data));
    }

    /// @notice Posts a batch carried in this transaction's blobs; the versioned hashes are
    ///         emitted so nodes know which blobs to fetch from the consensus layer.
    function submitBlobBatch(uint256 chainId) external {
        _onlyBatcher(chainId);
        uint256 count;
        while (blobhash(count) != bytes32(0)) ++count;
        if (count == 0) revert NoBlobs();
        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i; i < count; ++i) hashes[i] = blobhash(i);
        emit BlobBatchSubmitted(chainId, batchCount[chainId]++, hashes);
    }

    function _onlyBatcher(uint256 chainId) private view {
        if (msg.sender != registry.batcher(chainId)) revert NotBatcher(chainId, msg.sender);
    }
}
