// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleTrie} from "./MerkleTrie.sol";

/// @title SecureMerkleTrie
/// @notice {MerkleTrie} for "secure" tries, whose paths are keccak256 of the key: the state
///         trie (key = address) and every storage trie (key = the 32-byte slot). Hashing the
///         key keeps the trie balanced no matter which keys an attacker chooses to write.
library SecureMerkleTrie {
    /// @notice True iff the secure trie with root `root` maps `key` to exactly `value`.
    function verifyInclusionProof(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool)
    {
        return MerkleTrie.verifyInclusionProof(abi.encodePacked(keccak256(key)), value, proof, root);
    }

    /// @notice The raw value stored under `key`, or `exists == false` if proven absent.
    function get(bytes memory key, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool exists, bytes memory value)
    {
        return MerkleTrie.get(abi.encodePacked(keccak256(key)), proof, root);
    }
}
