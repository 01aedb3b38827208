// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Predeploys} from "../shared/Predeploys.sol";
import {ICrossL2Inbox, Identifier} from "../L2/interop/interfaces/ICrossL2Inbox.sol";
import {IL2ToL2CrossDomainMessenger} from "../L2/interop/interfaces/IL2ToL2CrossDomainMessenger.sol";

/// @notice Test contract for the interop predeploys: sends messages through the messenger (so
///         the sender is a contract), receives them (recording the cross-domain context it sees
///         while relayed), can be told to refuse them, and retries a failed validation.
contract InteropTestTarget {
    IL2ToL2CrossDomainMessenger internal constant MESSENGER =
        IL2ToL2CrossDomainMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER);

    error Refused(uint256 value);

    address public lastSender;
    uint256 public lastSource;
    uint256 public lastValue;
    uint256 public received;
    bool public refusing;

    function send(uint256 _destination, address _target, bytes calldata _message) external returns (bytes32) {
        return MESSENGER.sendMessage(_destination, _target, _message);
    }

    function setRefusing(bool _refusing) external {
        refusing = _refusing;
    }

    /// @notice The relayed call: records what the messenger says about the message.
    function receiveValue(uint256 _value) external payable returns (uint256) {
        if (refusing) revert Refused(_value);
        lastSender = MESSENGER.crossDomainMessageSender();
        lastSource = MESSENGER.crossDomainMessageSource();
        (address sender, uint256 source) = MESSENGER.crossDomainMessageContext();
        require(sender == lastSender && source == lastSource, "context disagrees");
        lastValue = _value;
        received += 1;
        return _value * 2;
    }

    /// @notice Validates a message, catches the failure, and validates it again: the second
    ///         attempt must fail too, since the reverted first attempt cannot leave the slot warm.
    function validateAfterFailedAttempt(Identifier calldata _id, bytes32 _msgHash) external {
        try ICrossL2Inbox(Predeploys.CROSS_L2_INBOX).validateMessage(_id, _msgHash) {
            revert("first attempt passed");
        } catch {}
        ICrossL2Inbox(Predeploys.CROSS_L2_INBOX).validateMessage(_id, _msgHash);
    }
}
