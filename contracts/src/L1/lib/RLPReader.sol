// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title RLPReader
/// @notice Reads RLP items in place in memory. An item is a (pointer, length) view over bytes
///         that are already in memory, so walking a list costs no copies; only {readBytes}
///         copies a payload out. Every length is checked against the bytes actually available
///         and non-canonical encodings are rejected, so a malformed input reverts instead of
///         being read past its end.
library RLPReader {
    /// @notice A view of one complete RLP item (header and payload) in memory.
    struct RLPItem {
        uint256 ptr;
        uint256 length;
    }

    /// @notice Lists longer than this are rejected; Merkle-Patricia nodes have at most 17 items.
    uint256 internal constant MAX_LIST_ITEMS = 32;

    /// @notice An item was expected but no bytes were left.
    error RLPEmptyInput();
    /// @notice A header announces more bytes than the enclosing input holds.
    error RLPOutOfBounds();
    /// @notice The bytes are valid RLP only in a non-canonical form (a decoder must not accept
    ///         two encodings of one value, or hashes of "the same" data could differ).
    error RLPNonCanonical();
    /// @notice Bytes remain after the top-level item.
    error RLPTrailingBytes();
    /// @notice A list was expected but a string was found.
    error RLPNotAList();
    /// @notice A string was expected but a list was found.
    error RLPNotAString();
    /// @notice The list has more than {MAX_LIST_ITEMS} items.
    error RLPTooManyItems();

    /// @notice Wraps `data`, which must hold exactly one RLP item.
    function toItem(bytes memory data) internal pure returns (RLPItem memory item) {
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(data, 0x20)
        }
        (, uint256 offset, uint256 length) = _header(ptr, data.length);
        if (offset + length != data.length) revert RLPTrailingBytes();
        return RLPItem(ptr, data.length);
    }

    /// @notice Whether the item is a list (its first byte is 0xc0 or more).
    function isList(RLPItem memory item) internal pure returns (bool) {
        if (item.length == 0) revert RLPEmptyInput();
        return _byteAt(item.ptr) >= 0xc0;
    }

    /// @notice The items of a list, as views into the same memory.
    function readList(RLPItem memory item) internal pure returns (RLPItem[] memory items) {
        (bool list, uint256 offset, uint256 length) = _header(item.ptr, item.length);
        if (!list) revert RLPNotAList();
        items = new RLPItem[](MAX_LIST_ITEMS);
        uint256 ptr = item.ptr + offset;
        uint256 end = ptr + length;
        uint256 count;
        while (ptr < end) {
            if (count == MAX_LIST_ITEMS) revert RLPTooManyItems();
            (, uint256 childOffset, uint256 childLength) = _header(ptr, end - ptr);
            uint256 size = childOffset + childLength;
            items[count] = RLPItem(ptr, size);
            ptr += size;
            ++count;
        }
        assembly ("memory-safe") {
            mstore(items, count)
        }
    }

    /// @notice Where a string item's payload starts in memory and how long it is (no copy).
    function payload(RLPItem memory item) internal pure returns (uint256 ptr, uint256 length) {
        (bool list, uint256 offset, uint256 len) = _header(item.ptr, item.length);
        if (list) revert RLPNotAString();
        return (item.ptr + offset, len);
    }

    /// @notice A copy of a string item's payload.
    function readBytes(RLPItem memory item) internal pure returns (bytes memory out) {
        (uint256 ptr, uint256 length) = payload(item);
        out = new bytes(length);
        assembly ("memory-safe") {
            mcopy(add(out, 0x20), ptr, length)
        }
    }

    /// @notice A copy of the item's whole encoding, header included.
    function readRawBytes(RLPItem memory item) internal pure returns (bytes memory out) {
        uint256 length = item.length;
        uint256 ptr = item.ptr;
        out = new bytes(length);
        assembly ("memory-safe") {
            mcopy(add(out, 0x20), ptr, length)
        }
    }

    /// @notice Decodes the header of the item at `ptr`, which may use at most `available`
    ///         bytes. Returns whether it is a list, the header size and the payload size.
    function _header(uint256 ptr, uint256 available)
        private
        pure
        returns (bool list, uint256 offset, uint256 length)
    {
        if (available == 0) revert RLPEmptyInput();
        uint256 prefix = _byteAt(ptr);
        if (prefix < 0x80) return (false, 0, 1);
        if (prefix < 0xb8) {
            offset = 1;
            length = prefix - 0x80;
        } else if (prefix < 0xc0) {
            (offset, length) = _longLength(ptr, available, prefix - 0xb7);
        } else if (prefix < 0xf8) {
            list = true;
            offset = 1;
            length = prefix - 0xc0;
        } else {
            list = true;
            (offset, length) = _longLength(ptr, available, prefix - 0xf7);
        }
        // offset <= available holds here (1 <= available, or checked in _longLength).
        if (length > available - offset) revert RLPOutOfBounds();
        // A single byte below 0x80 is its own encoding; 0x81 0x00..0x7f is another form of it.
        if (!list && length == 1 && _byteAt(ptr + 1) < 0x80) revert RLPNonCanonical();
    }

    /// @notice Reads the big-endian length that follows a long-form prefix.
    function _longLength(uint256 ptr, uint256 available, uint256 lengthOfLength)
        private
        pure
        returns (uint256 offset, uint256 length)
    {
        offset = 1 + lengthOfLength;
        if (offset > available) revert RLPOutOfBounds();
        if (_byteAt(ptr + 1) == 0) revert RLPNonCanonical();
        assembly ("memory-safe") {
            length := shr(mul(8, sub(32, lengthOfLength)), mload(add(ptr, 1)))
        }
        if (length < 56) revert RLPNonCanonical();
    }

    function _byteAt(uint256 ptr) private pure returns (uint256 b) {
        assembly ("memory-safe") {
            b := byte(0, mload(ptr))
        }
    }
}
