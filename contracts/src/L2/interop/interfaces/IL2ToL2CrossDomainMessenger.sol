// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Identifier} from "./ICrossL2Inbox.sol";

/// @title IL2ToL2CrossDomainMessenger
/// @notice ABI of the L2ToL2CrossDomainMessenger predeploy (0x4200…0023), matching the OP Stack
///         interface `interfaces/L2/IL2ToL2CrossDomainMessenger.sol` (the version with
///         `sentMessages`, `resendMessage` and `RelayedMessage.returnDataHash`).
interface IL2ToL2CrossDomainMessenger {
    /// @notice The cross-domain context was read outside a relay.
    error NotEntered();
    /// @notice The identifier does not point at a log of this messenger.
    error IdOriginNotL2ToL2CrossDomainMessenger();
    /// @notice The relayed payload is not a `SentMessage` log.
    error EventPayloadNotSentMessage();
    /// @notice A message was sent to the chain it is sent from.
    error MessageDestinationSameChain();
    /// @notice The relayed message is meant for another chain.
    error MessageDestinationNotRelayChain();
    /// @notice A message targets the CrossL2Inbox.
    error MessageTargetCrossL2Inbox();
    /// @notice A message targets this messenger.
    error MessageTargetL2ToL2CrossDomainMessenger();
    /// @notice The message was already relayed on this chain.
    error MessageAlreadyRelayed();
    /// @notice `relayMessage` was re-entered.
    error ReentrantCall();
    /// @notice `resendMessage` was given a message this chain never sent.
    error InvalidMessage();

    event SentMessage(
        uint256 indexed destination, address indexed target, uint256 indexed messageNonce, address sender, bytes message
    );

    event RelayedMessage(
        uint256 indexed source, uint256 indexed messageNonce, bytes32 indexed messageHash, bytes32 returnDataHash
    );

    function version() external view returns (string memory);

    function messageVersion() external view returns (uint16);

    /// @notice Whether the message with this hash was relayed on this chain (then it never can be again).
    function successfulMessages(bytes32) external view returns (bool);

    /// @notice Hash of the message sent from this chain with this (versioned) nonce.
    function sentMessages(uint256) external view returns (bytes32);

    /// @notice The nonce the next sent message gets, with the message version in its top two bytes.
    function messageNonce() external view returns (uint256);

    function crossDomainMessageSender() external view returns (address sender_);

    function crossDomainMessageSource() external view returns (uint256 source_);

    function crossDomainMessageContext() external view returns (address sender_, uint256 source_);

    function sendMessage(uint256 _destination, address _target, bytes calldata _message)
        external
        returns (bytes32 messageHash_);

    /// @notice Emits `SentMessage` again for a message this chain sent (the source is this chain).
    function resendMessage(
        uint256 _destination,
        uint256 _nonce,
        address _sender,
        address _target,
        bytes calldata _message
    ) external;

    function relayMessage(Identifier calldata _id, bytes calldata _sentMessage)
        external
        payable
        returns (bytes memory returnData_);
}
