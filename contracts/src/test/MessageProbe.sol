// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RelayPayment} from "../L2/interop/RelayPayment.sol";

interface IMessenger {
    function sendMessage(uint256 destination, address target, bytes calldata message) external returns (bytes32);
    function crossDomainMessageSender() external view returns (address);
    function crossDomainMessageSource() external view returns (uint256);
}

/// @notice Test contract for cross-chain messages: sends a message through the
///         L2ToL2CrossDomainMessenger, and as a target records who called it from where,
///         or reverts while it is closed.
contract MessageProbe {
    IMessenger internal constant MESSENGER = IMessenger(0x4200000000000000000000000000000000000023);

    address public lastSender;
    uint256 public lastSource;
    uint256 public lastValue;
    uint256 public received;
    bool public closed;

    event Received(address sender, uint256 source, uint256 value);

    function send(uint256 destination, address target, uint256 value) external returns (bytes32) {
        return MESSENGER.sendMessage(destination, target, abi.encodeCall(MessageProbe.receiveValue, (value)));
    }

    /// @notice Sends `count` messages in one transaction (throughput and latency benchmarks).
    function sendMany(uint256 destination, address target, uint256 count) external {
        for (uint256 i; i < count; ++i) MESSENGER.sendMessage(destination, target, abi.encodeCall(MessageProbe.receiveValue, (i)));
    }

    /// @notice {send}, with `gasLimit` gas of its relay paid from the value sent (the network
    ///         relays only paid messages; the change stays in the probe).
    function sendPaid(uint256 destination, address target, uint256 value, uint256 gasLimit) external payable returns (bytes32) {
        return RelayPayment.sendMessagePaid(destination, target, abi.encodeCall(MessageProbe.receiveValue, (value)), gasLimit);
    }

    /// @notice {sendMany}, each message's relay paid for `gasLimit` gas.
    function sendManyPaid(uint256 destination, address target, uint256 count, uint256 gasLimit) external payable {
        for (uint256 i; i < count; ++i) {
            RelayPayment.sendMessagePaid(destination, target, abi.encodeCall(MessageProbe.receiveValue, (i)), gasLimit);
        }
    }

    function receiveValue(uint256 value) external {
        require(msg.sender == address(MESSENGER), "probe: not the messenger");
        require(!closed, "probe: closed");
        lastSender = MESSENGER.crossDomainMessageSender();
        lastSource = MESSENGER.crossDomainMessageSource();
        lastValue = value;
        received++;
        emit Received(lastSender, lastSource, value);
    }

    function setClosed(bool closed_) external {
        closed = closed_;
    }
}
