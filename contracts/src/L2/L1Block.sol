// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Predeploys} from "../shared/Predeploys.sol";

/// @title L1Block
/// @notice Predeploy at 0x4200…0015 holding the attributes of the L1 block the current L2
///         block derives from, written by the depositor's system transaction at the start of
///         every L2 block. L2 contracts read L1 time and fees from here; the fee scalars price
///         the L1 data cost of L2 transactions.
/// @dev Installed as runtime code in the genesis alloc, so there is no constructor and every
///      value starts at zero until the first system transaction. Storage layout (nodes may
///      read it directly): slot 0 packs number, timestamp, sequenceNumber, baseFeeScalar and
///      blobBaseFeeScalar; slot 1 basefee; slot 2 hash; slot 3 blobBaseFee.
contract L1Block {
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
}
