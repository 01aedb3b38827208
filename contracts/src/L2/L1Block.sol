// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GasPayingToken} from "../shared/GasPayingToken.sol";
import {Predeploys} from "../shared/Predeploys.sol";

/// @title L1Block
/// @notice Predeploy at 0x4200…0015 holding the attributes of the L1 block the current L2
///         block derives from, written by the depositor's system transaction at the start of
///         every L2 block. L2 contracts read L1 time and fees from here; the fee scalars price
///         the L1 data cost of L2 transactions.
/// @dev Installed as runtime code in the genesis alloc, so there is no constructor and every
///      value starts at zero until the first system transaction. Storage layout (nodes may
///      read it directly): slot 0 packs number, timestamp, sequenceNumber, baseFeeScalar and
///      blobBaseFeeScalar; slot 1 basefee; slot 2 hash; slot 3 blobBaseFee. The chain's native
///      asset sits at the OP Stack's custom-gas-token slots, written by the genesis and never
///      changed: {GAS_PAYING_TOKEN_SLOT} = decimals << 160 | token (zero: ETH), and the name
///      and symbol as left-aligned bytes32 strings (at most 32 bytes, no NUL).
contract L1Block {
    bytes32 public constant GAS_PAYING_TOKEN_SLOT = bytes32(uint256(keccak256("opstack.gaspayingtoken")) - 1);
    bytes32 public constant GAS_PAYING_TOKEN_NAME_SLOT = bytes32(uint256(keccak256("opstack.gaspayingtokenname")) - 1);
    bytes32 public constant GAS_PAYING_TOKEN_SYMBOL_SLOT =
        bytes32(uint256(keccak256("opstack.gaspayingtokensymbol")) - 1);

    uint64 public number;
    uint64 public timestamp;
    /// @notice Position of the L2 block within its L1 epoch (0 for the first one).
    uint64 public sequenceNumber;
    uint32 public baseFeeScalar;
    uint32 public blobBaseFeeScalar;
    uint256 public basefee;
    bytes32 public hash;
    uint256 public blobBaseFee;

    /// @notice Only the depositor account (the derivation pipeline) may write.
    error NotDepositor(address caller);

    /// @notice Records the L1 origin of the current L2 block.
    function setL1BlockValues(
        uint64 _number,
        uint64 _timestamp,
        uint256 _basefee,
        bytes32 _hash,
        uint64 _sequenceNumber,
        uint256 _blobBaseFee,
        uint32 _baseFeeScalar,
        uint32 _blobBaseFeeScalar
    ) external {
        if (msg.sender != Predeploys.DEPOSITOR) revert NotDepositor(msg.sender);
        number = _number;
        timestamp = _timestamp;
        sequenceNumber = _sequenceNumber;
        baseFeeScalar = _baseFeeScalar;
        blobBaseFeeScalar = _blobBaseFeeScalar;
        basefee = _basefee;
        hash = _hash;
        blobBaseFee = _blobBaseFee;
    }

    /// @notice The L1 address and decimals of the chain's native asset: `(ETHER, 18)` on an
    ///         ETH chain. The L2 balance is 18-decimal either way; one token unit is
    ///         `10**(18 - decimals)` wei.
    function gasPayingToken() public view returns (address addr_, uint8 decimals_) {
        uint256 word = uint256(_load(GAS_PAYING_TOKEN_SLOT));
        addr_ = address(uint160(word));
        if (addr_ == address(0)) return (GasPayingToken.ETHER, 18);
        decimals_ = uint8(word >> 160);
    }

    /// @notice The native asset's name ("Ether" on an ETH chain).
    function gasPayingTokenName() external view returns (string memory) {
        return isCustomGasToken() ? _smallString(_load(GAS_PAYING_TOKEN_NAME_SLOT)) : "Ether";
    }

    /// @notice The native asset's symbol ("ETH" on an ETH chain).
    function gasPayingTokenSymbol() external view returns (string memory) {
        return isCustomGasToken() ? _smallString(_load(GAS_PAYING_TOKEN_SYMBOL_SLOT)) : "ETH";
    }

    /// @notice Whether the native asset is an L1 ERC-20 rather than ETH.
    function isCustomGasToken() public view returns (bool) {
        return uint160(uint256(_load(GAS_PAYING_TOKEN_SLOT))) != 0;
    }

    function _load(bytes32 slot) private view returns (bytes32 value) {
        assembly ("memory-safe") {
            value := sload(slot)
        }
    }

    /// @notice The left-aligned string in `word`, up to its first zero byte.
    function _smallString(bytes32 word) private pure returns (string memory result) {
        uint256 length;
        while (length < 32 && word[length] != 0) length++;
        result = new string(length);
        if (length == 0) return result;
        // Bytes past `length` are zero (the genesis writes no NUL inside a name), so the
        // allocated word can take the whole slot.
        assembly ("memory-safe") {
            mstore(add(result, 0x20), word)
        }
    }
}
