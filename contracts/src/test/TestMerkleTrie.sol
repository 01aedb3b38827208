// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleTrie} from "../L1/lib/MerkleTrie.sol";
import {SecureMerkleTrie} from "../L1/lib/SecureMerkleTrie.sol";

/// @title TestMerkleTrie
/// @notice For test/contracts: exposes the trie libraries so tests can feed them proofs.
contract TestMerkleTrie {
    function get(bytes memory key, bytes[] memory proof, bytes32 root)
        external
        pure
        returns (bool exists, bytes memory value)
    {
        return MerkleTrie.get(key, proof, root);
    }

    function verify(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        external
        pure
        returns (bool)
    {
        return MerkleTrie.verifyInclusionProof(key, value, proof, root);
    }

    function verifySecure(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        external
        pure
        returns (bool)
    {
        return SecureMerkleTrie.verifyInclusionProof(key, value, proof, root);
    }
}
