// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Points at one log on one chain of the network: the initiating message an executing
///         message consumes. Field order and types are the OP Stack's (ABI-compatible).
/// @param origin      Address that emitted the log.
/// @param blockNumber Number of the block holding the log.
/// @param logIndex    Index of the log within its block (block-wide, as in receipts).
/// @param timestamp   Timestamp of that block.
/// @param chainId     Chain the log was emitted on.
struct Identifier {
    address origin;
    uint256 blockNumber;
    uint256 logIndex;
    uint256 timestamp;
    uint256 chainId;
}

/// @title ICrossL2Inbox
/// @notice ABI of the CrossL2Inbox predeploy (0x4200…0022), matching the OP Stack interface
///         `interfaces/L2/ICrossL2Inbox.sol` of the access-list design (specs/interop/predeploys.md).
interface ICrossL2Inbox {
    /// @notice The message's checksum was not declared in the transaction's access list.
    error NotInAccessList();
    /// @notice The identifier's block number does not fit the checksum's uint64.
    error BlockNumberTooHigh();
    /// @notice The identifier's timestamp does not fit the checksum's uint64.
    error TimestampTooHigh();
    /// @notice The identifier's log index does not fit the checksum's uint32.
    error LogIndexTooHigh();

    /// @notice An executing message: `msgHash` is keccak256 of the initiating log's payload
    ///         (topics ‖ data), `id` points at that log.
    event ExecutingMessage(bytes32 indexed msgHash, Identifier id);

    function version() external view returns (string memory);

    /// @notice Accepts the message when its checksum is a storage key the transaction's access
    ///         list declared for this contract; emits {ExecutingMessage}.
    function validateMessage(Identifier calldata _id, bytes32 _msgHash) external;

    /// @notice The access-list checksum entry (type byte 0x03) for a message.
    function calculateChecksum(Identifier memory _id, bytes32 _msgHash) external pure returns (bytes32 checksum_);
}
