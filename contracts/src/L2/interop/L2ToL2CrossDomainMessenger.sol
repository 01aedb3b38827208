// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Predeploys} from "../../shared/Predeploys.sol";
import {ICrossL2Inbox, Identifier} from "./interfaces/ICrossL2Inbox.sol";
import {IL2ToL2CrossDomainMessenger} from "./interfaces/IL2ToL2CrossDomainMessenger.sol";

/// @title L2ToL2CrossDomainMessenger
/// @notice Predeploy at 0x4200…0023: general message passing between the network's chains,
///         with replay protection and domain binding, on top of the CrossL2Inbox.
///
///         Sending: {sendMessage} records the message hash under its nonce and emits
///         `SentMessage`. Relaying on the destination: anyone calls {relayMessage} with the
///         identifier of that log and its payload (topics ‖ data), in a transaction whose access
///         list declares the message's checksum (see CrossL2Inbox). The messenger calls the
///         target with the message; while it runs, {crossDomainMessageSender} and
///         {crossDomainMessageSource} tell the target who sent it from where.
///
///         A relay whose target call reverts reverts as a whole, with the target's revert data,
///         so nothing is recorded and the message can be relayed again later.
/// @dev Installed as runtime code in the genesis alloc (no constructor). Storage layout (kept
///      compatible with the OP Stack's): slot 0 `successfulMessages`, slot 1 the nonce without its version
///      (uint240), slot 2 `sentMessages`. The relay context lives in transient storage only.
contract L2ToL2CrossDomainMessenger is IL2ToL2CrossDomainMessenger {
    /// @notice Version of the message format, carried in the top two bytes of every nonce.
    uint16 public constant messageVersion = 0;

    string public constant version = "1.0.0";

    /// @inheritdoc IL2ToL2CrossDomainMessenger
    mapping(bytes32 messageHash => bool) public successfulMessages;

    /// @notice Nonce of the next message, without the version.
    uint240 internal _msgNonce;

    /// @inheritdoc IL2ToL2CrossDomainMessenger
    mapping(uint256 messageNonce => bytes32 messageHash) public sentMessages;

    /// @notice Set for the duration of {relayMessage}: the reentrancy guard, and what makes the
    ///         context getters answer.
    bool private transient _entered;
    address private transient _xSender;
    uint256 private transient _xSource;

    modifier onlyEntered() {
        if (!_entered) revert NotEntered();
        _;
    }

    /// @inheritdoc IL2ToL2CrossDomainMessenger
    function messageNonce() public view returns (uint256) {
        return (uint256(messageVersion) << 240) | uint256(_msgNonce);
    }

    /// @inheritdoc IL2ToL2CrossDomainMessenger
    function crossDomainMessageSender() external view onlyEntered returns (address sender_) {
        sender_ = _xSender;
    }

    /// @inheritdoc IL2ToL2CrossDomainMessenger
    function crossDomainMessageSource() external view onlyEntered returns (uint256 source_) {
        source_ = _xSource;
    }

    /// @inheritdoc IL2ToL2CrossDomainMessenger
    function crossDomainMessageContext() external view onlyEntered returns (address sender_, uint256 source_) {
        (sender_, source_) = (_xSender, _xSource);
    }

    /// @notice Sends `_message` to `_target` on chain `_destination`. Not payable: value moves
    ///         through the SuperchainETHBridge. If the call on the destination always reverts,
    ///         the message can never be relayed.
    /// @return messageHash_ The message hash, the key of `successfulMessages` on the destination.
    function sendMessage(uint256 _destination, address _target, bytes calldata _message)
        external
        returns (bytes32 messageHash_)
    {
        if (_destination == block.chainid) revert MessageDestinationSameChain();
        _checkTarget(_target);

        uint256 nonce = messageNonce();
        messageHash_ = _hashMessage(_destination, block.chainid, nonce, msg.sender, _target, _message);
        sentMessages[nonce] = messageHash_;
        _msgNonce++;

        emit SentMessage(_destination, _target, nonce, msg.sender, _message);
    }

    /// @notice Emits `SentMessage` again for a message this chain sent, so that relayers that
    ///         ignore old logs can pick it up. Changes nothing else.
    function resendMessage(
        uint256 _destination,
        uint256 _nonce,
        address _sender,
        address _target,
        bytes calldata _message
    ) external {
        bytes32 messageHash = _hashMessage(_destination, block.chainid, _nonce, _sender, _target, _message);
        if (sentMessages[_nonce] != messageHash) revert InvalidMessage();
        emit SentMessage(_destination, _target, _nonce, _sender, _message);
    }

    /// @notice Relays a message sent to this chain. `_sentMessage` is the `SentMessage` log's
    ///         topics followed by its data; `_id` points at that log. The transaction must
    ///         declare the message's checksum in its access list (CrossL2Inbox). `msg.value` is
    ///         passed on to the target.
    /// @return returnData_ What the target returned.
    function relayMessage(Identifier calldata _id, bytes calldata _sentMessage)
        external
        payable
        returns (bytes memory returnData_)
    {
        if (_entered) revert ReentrantCall();
        _entered = true;

        if (_id.origin != Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER) revert IdOriginNotL2ToL2CrossDomainMessenger();
        ICrossL2Inbox(Predeploys.CROSS_L2_INBOX).validateMessage(_id, keccak256(_sentMessage));

        (uint256 destination, address target, uint256 nonce, address sender, bytes memory message) =
            _decodeSentMessage(_sentMessage);
        if (destination != block.chainid) revert MessageDestinationNotRelayChain();
        _checkTarget(target);

        uint256 source = _id.chainId;
        bytes32 messageHash = _hashMessage(destination, source, nonce, sender, target, message);
        if (successfulMessages[messageHash]) revert MessageAlreadyRelayed();
        successfulMessages[messageHash] = true;

        _xSender = sender;
        _xSource = source;
        bool success;
        (success, returnData_) = target.call{value: msg.value}(message);
        if (!success) {
            // The whole relay reverts with the target's own revert data: nothing is recorded,
            // the message stays relayable, and callers see the target's reason.
            assembly ("memory-safe") {
                revert(add(returnData_, 0x20), mload(returnData_))
            }
        }

        emit RelayedMessage(source, nonce, messageHash, keccak256(returnData_));

        _xSender = address(0);
        _xSource = 0;
        _entered = false;
    }

    /// @notice The message hash, as the OP Stack's `Hashing.hashL2toL2CrossDomainMessage`.
    function _hashMessage(
        uint256 _destination,
        uint256 _source,
        uint256 _messageNonce,
        address _sender,
        address _target,
        bytes memory _message
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(_destination, _source, _messageNonce, _sender, _target, _message));
    }

    function _checkTarget(address _target) private pure {
        if (_target == Predeploys.CROSS_L2_INBOX) revert MessageTargetCrossL2Inbox();
        if (_target == Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER) revert MessageTargetL2ToL2CrossDomainMessenger();
    }

    /// @notice Splits a `SentMessage` log payload: four topics (selector, destination, target,
    ///         nonce), then the ABI-encoded data (sender, message).
    function _decodeSentMessage(bytes calldata _payload)
        private
        pure
        returns (uint256 destination_, address target_, uint256 nonce_, address sender_, bytes memory message_)
    {
        if (_payload.length < 128 || bytes32(_payload[:32]) != SentMessage.selector) {
            revert EventPayloadNotSentMessage();
        }
        // abi.decode reverts without a reason on malformed input; check what it would, so a
        // payload that is not the messenger's own encoding gets the named error.
        if (!_isWellFormedSentMessage(_payload)) revert EventPayloadNotSentMessage();
        (destination_, target_, nonce_) = abi.decode(_payload[32:128], (uint256, address, uint256));
        (sender_, message_) = abi.decode(_payload[128:], (address, bytes));
    }

    /// @notice Whether the payload after the selector topic is what `SentMessage` emits: two
    ///         address words with clean upper bits (the target topic and the sender), the
    ///         message at offset 0x40 of the data, and a message length within the payload.
    function _isWellFormedSentMessage(bytes calldata _payload) private pure returns (bool) {
        if (_payload.length < 224) return false;
        if (uint256(bytes32(_payload[64:96])) >> 160 != 0) return false;
        if (uint256(bytes32(_payload[128:160])) >> 160 != 0) return false;
        if (uint256(bytes32(_payload[160:192])) != 0x40) return false;
        return uint256(bytes32(_payload[192:224])) <= _payload.length - 224;
    }
}
