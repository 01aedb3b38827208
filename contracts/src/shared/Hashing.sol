// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Hashing
/// @notice Hashes that the L1 and L2 contracts must compute identically. Keeping them in one
///         place means the L2 message passer and the L1 portal cannot drift apart: a mismatch
///         would make every withdrawal unprovable.
library Hashing {
    /// @notice The identifier of a withdrawal: the key of `sentMessages` in the L2 message
    ///         passer and of the portal's proven/finalized records.
    function withdrawalHash(
        uint256 nonce,
        address sender,
        address target,
        uint256 value,
        uint256 gasLimit,
        bytes memory data
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(nonce, sender, target, value, gasLimit, data));
    }

    /// @notice The version-0 output root, as in the OP Stack: it commits to the L2 state root,
    ///         the message passer's storage root (so withdrawals need only a storage proof)
    ///         and the L2 block hash.
    function outputRootV0(bytes32 stateRoot, bytes32 messagePasserStorageRoot, bytes32 blockHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(bytes32(0), stateRoot, messagePasserStorageRoot, blockHash));
    }
}
