// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Hashing} from "../shared/Hashing.sol";

/// @title L2ToL1MessagePasser
/// @notice Predeploy at 0x4200…0016 where every withdrawal starts. It records the withdrawal's
///         hash in storage; the L1 portal later proves that record with a storage proof
///         against the message passer's storage root, which is part of each output root.
/// @dev Installed as runtime code in the genesis alloc (no constructor). ETH sent with a
///      withdrawal stays in this contract: it leaves L2 circulation here and is released from
///      the chain's escrow on L1, so L2 supply keeps matching L1 escrow plus what sits here.
contract L2ToL1MessagePasser {
    /// @notice Slot 0, and it must stay slot 0: the portal proves `sentMessages[hash] == true`
    ///         at storage slot keccak256(hash ‖ uint256(0)). Do not declare anything before it.
    mapping(bytes32 withdrawalHash => bool) public sentMessages;

    /// @notice Slot 1: the nonce of the next withdrawal, which makes every hash unique.
    uint256 public messageNonce;

    event MessagePassed(
        uint256 indexed nonce,
        address indexed sender,
        address indexed target,
        uint256 value,
        uint256 gasLimit,
        bytes data,
        bytes32 withdrawalHash
    );

    /// @notice Sending ETH here withdraws it to the same address on L1.
    receive() external payable {
        _initiateWithdrawal(msg.sender, 100_000, "");
    }

    /// @notice Starts a withdrawal: after the output containing it is proven and its chain's
    ///         challenge window has passed, the L1 portal calls `target` with `msg.value`,
    ///         `data` and `gasLimit`, with `Portal.l2Sender()` set to the caller.
    function initiateWithdrawal(address target, uint256 gasLimit, bytes calldata data) external payable {
        _initiateWithdrawal(target, gasLimit, data);
    }

    function _initiateWithdrawal(address target, uint256 gasLimit, bytes memory data) private {
        uint256 nonce = messageNonce;
        bytes32 withdrawalHash = Hashing.withdrawalHash(nonce, msg.sender, target, msg.value, gasLimit, data);
        sentMessages[withdrawalHash] = true;
        emit MessagePassed(nonce, msg.sender, target, msg.value, gasLimit, data, withdrawalHash);
        messageNonce = nonce + 1;
    }
}
