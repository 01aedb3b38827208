// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICrossL2Inbox, Identifier} from "./interfaces/ICrossL2Inbox.sol";

/// @title CrossL2Inbox
/// @notice Predeploy at 0x4200…0022 through which every executing message is declared. A
///         transaction that executes a message lists the message's checksum as a storage key of
///         this contract in its EIP-2930 access list; the sequencer checks, outside the EVM,
///         that every such checksum matches a real initiating log on the source chain before it
///         includes the transaction. In the EVM this contract only checks that the checksum was
///         declared, i.e. that its storage slot is already warm when read.
/// @dev Installed as runtime code in the genesis alloc (no constructor). It has no storage and no
///      function other than {validateMessage} reads a slot, so nothing but the access list can
///      warm a checksum slot.
///
///      Why a failed attempt cannot warm the slot for a retry in the same transaction: reading a
///      cold slot warms it (EIP-2929), but the accessed-storage-keys set is part of the state that
///      a reverting call frame rolls back. {validateMessage} reverts when the read was cold, so
///      the warming it caused is undone with it, and a second call sees the slot cold again.
contract CrossL2Inbox is ICrossL2Inbox {
    /// @notice Gas above which a storage read counts as cold. A warm SLOAD costs 100 and a cold
    ///         one 2,100 (EIP-2929); the few opcodes between the two GAS readings add < 20.
    uint256 internal constant WARM_READ_THRESHOLD = 1_000;

    /// @notice Type byte of an access-list checksum entry.
    uint256 internal constant CHECKSUM_TYPE = 0x03;

    string public constant version = "1.0.0";

    /// @inheritdoc ICrossL2Inbox
    function validateMessage(Identifier calldata _id, bytes32 _msgHash) external {
        bytes32 checksum = calculateChecksum(_id, _msgHash);
        (bool warm,) = _readWarm(checksum);
        if (!warm) revert NotInAccessList();
        emit ExecutingMessage(_msgHash, _id);
    }

    /// @notice The access-list checksum of a message (specs/interop/predeploys.md, "type 3: Checksum"):
    ///
    ///             logHash      = keccak256(bytes20(origin) ‖ msgHash)
    ///             idPacked     = bytes12(0) ‖ uint64(blockNumber) ‖ uint64(timestamp) ‖ uint32(logIndex)
    ///             idLogHash    = keccak256(logHash ‖ idPacked)
    ///             bareChecksum = keccak256(idLogHash ‖ uint256(chainId))
    ///             checksum     = 0x03 ‖ bareChecksum[1:]
    ///
    ///         Fields wider than the packed encoding revert rather than being truncated, so two
    ///         identifiers can never share a checksum.
    function calculateChecksum(Identifier memory _id, bytes32 _msgHash) public pure returns (bytes32 checksum_) {
        if (_id.blockNumber > type(uint64).max) revert BlockNumberTooHigh();
        if (_id.timestamp > type(uint64).max) revert TimestampTooHigh();
        if (_id.logIndex > type(uint32).max) revert LogIndexTooHigh();

        bytes32 logHash = keccak256(abi.encodePacked(_id.origin, _msgHash));
        bytes32 idPacked = bytes32((_id.blockNumber << 96) | (_id.timestamp << 32) | _id.logIndex);
        bytes32 idLogHash = keccak256(abi.encodePacked(logHash, idPacked));
        bytes32 bareChecksum = keccak256(abi.encodePacked(idLogHash, _id.chainId));
        checksum_ = bytes32((uint256(bareChecksum) & (type(uint256).max >> 8)) | (CHECKSUM_TYPE << 248));
    }

    /// @notice Reads `_slot` and tells whether it was warm, by the gas the read cost.
    /// @dev The value is returned so the optimizer cannot drop the SLOAD as unused.
    function _readWarm(bytes32 _slot) internal view returns (bool warm_, uint256 value_) {
        assembly ("memory-safe") {
            let before := gas()
            value_ := sload(_slot)
            let spent := sub(before, gas())
            warm_ := lt(spent, WARM_READ_THRESHOLD)
        }
    }
}
