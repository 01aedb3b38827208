// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RLPReader} from "./RLPReader.sol";

/// @title MerkleTrie
/// @notice Verifies Merkle-Patricia trie proofs (the Ethereum state and storage trie format)
///         as produced by `eth_getProof` or ethereumjs `createMerkleProof`: the nodes on the path
///         from the root to the key, root first.
/// @dev Trust model: nothing in the proof is believed until it is authenticated. The first
///      node must hash to the root; every later node must hash to the 32-byte reference its
///      parent holds. Children whose encoding is shorter than 32 bytes are embedded in the
///      parent (they are authenticated by the parent's hash) and are walked in place; provers
///      that also list such an embedded node as its own proof element (ethereumjs does) are
///      accepted by skipping that copy. A proof that leaves nodes unused is rejected, and any
///      structural defect reverts with a custom error, so a wrong value can never be accepted.
library MerkleTrie {
    using RLPReader for RLPReader.RLPItem;

    /// @notice Number of items in a branch node: 16 children and a value.
    uint256 private constant BRANCH_LENGTH = 17;
    /// @notice Number of items in a leaf or extension node: a hex-prefix path and a value/child.
    uint256 private constant SHORT_NODE_LENGTH = 2;

    /// @notice The proof has no nodes.
    error EmptyProof();
    /// @notice The first proof node does not hash to the expected root.
    error InvalidRootHash();
    /// @notice Proof node `index` does not hash to the reference held by its parent.
    error InvalidNodeHash(uint256 index);
    /// @notice A node references a child by hash, but the proof ended.
    error MissingProofNode();
    /// @notice The path ended (at the value or at a proven absence) before the proof did.
    error UnusedProofNodes();
    /// @notice A node is neither a 17-item branch nor a 2-item leaf/extension, or its
    ///         hex-prefix path is malformed.
    error InvalidNode();
    /// @notice A child reference is neither empty, a 32-byte hash, nor an embedded node
    ///         shorter than 32 bytes.
    error InvalidChildReference();

    /// @notice True iff the trie with root `root` maps `key` to exactly `value`.
    /// @dev Returns false when the proof shows the key is absent or holds another value;
    ///      reverts when the proof itself is malformed or does not match the root.
    function verifyInclusionProof(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool)
    {
        (bool exists, bytes memory found) = get(key, proof, root);
        return exists && found.length == value.length && keccak256(found) == keccak256(value);
    }

    /// @notice The value stored under `key` (the raw leaf value, i.e. still RLP-encoded for
    ///         state and storage tries), or `exists == false` if the proof shows it absent.
    function get(bytes memory key, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool exists, bytes memory value)
    {
        if (proof.length == 0) revert EmptyProof();
        if (keccak256(proof[0]) != root) revert InvalidRootHash();

        RLPReader.RLPItem memory node = RLPReader.toItem(proof[0]);
        uint256 next = 1; // index of the next unused proof node
        uint256 keyNibbles = key.length * 2;
        uint256 k; // nibbles of the key consumed so far

        while (true) {
            RLPReader.RLPItem[] memory items = node.readList();
            if (items.length == BRANCH_LENGTH) {
                if (k == keyNibbles) {
                    value = items[16].readBytes();
                    exists = value.length != 0;
                    break;
                }
                bool empty;
                (empty, node, next) = _child(items[_keyNibble(key, k)], proof, next);
                ++k;
                if (empty) break; // no child on the key's path: the key is absent
            } else if (items.length == SHORT_NODE_LENGTH) {
                (bool leaf, bool matched, uint256 pathNibbles) = _matchPath(items[0], key, k);
                if (!matched) break; // the path diverges from the key: absent
                k += pathNibbles;
                if (leaf) {
                    if (k == keyNibbles) {
                        value = items[1].readBytes();
                        exists = true;
                    }
                    break;
                }
                if (pathNibbles == 0) revert InvalidNode(); // an extension always has a path
                bool empty;
                (empty, node, next) = _child(items[1], proof, next);
                if (empty) revert InvalidNode(); // an extension always has a child
            } else {
                revert InvalidNode();
            }
        }
        if (next != proof.length) revert UnusedProofNodes();
    }

    /// @notice Follows a child reference. Returns `empty` for an empty slot; otherwise the
    ///         child node and the updated proof cursor.
    function _child(RLPReader.RLPItem memory ref, bytes[] memory proof, uint256 next)
        private
        pure
        returns (bool empty, RLPReader.RLPItem memory node, uint256 nextOut)
    {
        if (ref.isList()) {
            // Embedded node: authenticated by the parent already.
            if (ref.length >= 32) revert InvalidChildReference();
            if (next < proof.length && _equals(proof[next], ref)) ++next;
            return (false, ref, next);
        }
        (uint256 ptr, uint256 length) = ref.payload();
        if (length == 0) return (true, ref, next);
        if (length != 32) revert InvalidChildReference();
        if (next >= proof.length) revert MissingProofNode();
        bytes memory encoded = proof[next];
        bytes32 expected;
        assembly ("memory-safe") {
            expected := mload(ptr)
        }
        if (keccak256(encoded) != expected) revert InvalidNodeHash(next);
        return (false, RLPReader.toItem(encoded), next + 1);
    }

    /// @notice Compares a leaf/extension node's hex-prefix path with the key from nibble `k`.
    /// @return leaf whether the node is a leaf (else an extension)
    /// @return matched whether the whole path equals the key's next nibbles
    /// @return pathNibbles the path's length in nibbles
    function _matchPath(RLPReader.RLPItem memory pathItem, bytes memory key, uint256 k)
        private
        pure
        returns (bool leaf, bool matched, uint256 pathNibbles)
    {
        (uint256 ptr, uint256 length) = pathItem.payload();
        if (length == 0) revert InvalidNode();
        uint256 first;
        assembly ("memory-safe") {
            first := byte(0, mload(ptr))
        }
        uint256 flag = first >> 4;
        if (flag > 3) revert InvalidNode();
        leaf = flag >= 2;
        bool odd = flag & 1 == 1;
        if (!odd && first & 0x0f != 0) revert InvalidNode();
        // The path's nibbles start at nibble 1 (odd) or 2 (even) of the encoded bytes.
        uint256 start = odd ? 1 : 2;
        pathNibbles = length * 2 - start;
        matched = pathNibbles <= key.length * 2 - k && _nibblesEqual(ptr, start, pathNibbles, key, k);
    }

    /// @notice Whether `count` nibbles from nibble `start` at `ptr` equal those of `key` from `k`.
    function _nibblesEqual(uint256 ptr, uint256 start, uint256 count, bytes memory key, uint256 k)
        private
        pure
        returns (bool)
    {
        for (uint256 i; i < count; ++i) {
            uint256 n = start + i;
            uint256 b;
            assembly ("memory-safe") {
                b := byte(0, mload(add(ptr, shr(1, n))))
            }
            if ((n & 1 == 0 ? b >> 4 : b & 0x0f) != _keyNibble(key, k + i)) return false;
        }
        return true;
    }

    /// @notice Nibble `i` of `key` (high nibble of each byte first).
    function _keyNibble(bytes memory key, uint256 i) private pure returns (uint256) {
        uint256 b = uint8(key[i >> 1]);
        return i & 1 == 0 ? b >> 4 : b & 0x0f;
    }

    /// @notice Whether `data` equals the encoding of `item`.
    function _equals(bytes memory data, RLPReader.RLPItem memory item) private pure returns (bool same) {
        if (data.length != item.length) return false;
        uint256 ptr = item.ptr;
        uint256 length = item.length;
        assembly ("memory-safe") {
            same := eq(keccak256(add(data, 0x20), length), keccak256(ptr, length))
        }
    }
}
