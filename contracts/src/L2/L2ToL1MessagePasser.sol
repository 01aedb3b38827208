// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GasPayingToken} from "../shared/GasPayingToken.sol";
import {Hashing} from "../shared/Hashing.sol";
import {Predeploys} from "../shared/Predeploys.sol";
import {L1Block} from "./L1Block.sol";

/// @title L2ToL1MessagePasser
/// @notice Predeploy at 0x4200…0016 where every withdrawal starts. It records the withdrawal's
///         hash in storage; the L1 portal later proves that record with a storage proof
///         against the message passer's storage root, which is part of each output root.
/// @dev Installed as runtime code in the genesis alloc (no constructor). ETH sent with a
///      withdrawal stays in this contract: it leaves L2 circulation here and is released from
///      the chain's escrow on L1, so L2 supply keeps matching L1 escrow plus what sits here.
///      On a gas-token chain the portal releases `value / 10**(18 - decimals)` tokens, so a
///      value that is not a whole number of token units is refused here rather than rounded.
contract L2ToL1MessagePasser {
    /// @notice Slot 0, and it must stay slot 0: the portal proves `sentMessages[hash] == true`
    ///         at storage slot keccak256(hash ‖ uint256(0)). Do not declare anything before it.
    mapping(bytes32 withdrawalHash => bool) public sentMessages;

    /// @notice Slot 1: the nonce of the next withdrawal, which makes every hash unique.
    uint256 public messageNonce;

    /// @notice Slot 2, and it must stay slot 2: the ETH this chain has sent to each other chain of
    ///         the network through the SuperchainETHBridge, in total since genesis. It is part of
    ///         the message passer's storage, so every output root commits to it and the portal
    ///         moves that much escrow from this chain to the destination with a storage proof
    ///         (`Portal.settleEthFlows`, at slot keccak256(destination ‖ uint256(2))). Only
    ///         ever grows.
    mapping(uint256 destination => uint256) public ethSentTo;

    /// @notice Only the SuperchainETHBridge records ETH sent to another chain.
    error OnlyEthBridge(address caller);

    event EthSentRecorded(uint256 indexed destination, uint256 amount, uint256 total);

    /// @notice On a gas-token chain with fewer than 18 decimals, `value` must be a multiple of
    ///         `unit` (the L2 wei of one token unit): the dust could not be paid out on L1.
    error WithdrawalValueNotWholeTokenUnits(uint256 value, uint256 unit);

    event MessagePassed(
        uint256 indexed nonce,
        address indexed sender,
        address indexed target,
        uint256 value,
        uint256 gasLimit,
        bytes data,
        bytes32 withdrawalHash
    );

    /// @notice Sending the native asset here withdraws it to the same address on L1.
    receive() external payable {
        _initiateWithdrawal(msg.sender, 100_000, "");
    }

    /// @notice Starts a withdrawal: after the output containing it is proven and its chain's
    ///         challenge window has passed, the L1 portal calls `target` with `msg.value`,
    ///         `data` and `gasLimit`, with `Portal.l2Sender()` set to the caller. On a gas-token
    ///         chain the portal instead transfers the tokens to `target` and then, if `data`
    ///         is not empty, calls it without value.
    function initiateWithdrawal(address target, uint256 gasLimit, bytes calldata data) external payable {
        _initiateWithdrawal(target, gasLimit, data);
    }

    /// @notice Records that `amount` of ETH left this chain for `destination` (burned into
    ///         ETHLiquidity here, minted there), so that L1 escrow can follow it.
    function recordEthSent(uint256 destination, uint256 amount) external {
        if (msg.sender != Predeploys.SUPERCHAIN_ETH_BRIDGE) revert OnlyEthBridge(msg.sender);
        uint256 total = ethSentTo[destination] + amount;
        ethSentTo[destination] = total;
        emit EthSentRecorded(destination, amount, total);
    }

    function _initiateWithdrawal(address target, uint256 gasLimit, bytes memory data) private {
        if (msg.value != 0) _checkWholeUnits(msg.value);
        uint256 nonce = messageNonce;
        bytes32 withdrawalHash = Hashing.withdrawalHash(nonce, msg.sender, target, msg.value, gasLimit, data);
        sentMessages[withdrawalHash] = true;
        emit MessagePassed(nonce, msg.sender, target, msg.value, gasLimit, data, withdrawalHash);
        messageNonce = nonce + 1;
    }

    function _checkWholeUnits(uint256 value) private view {
        (, uint8 decimals) = L1Block(Predeploys.L1_BLOCK).gasPayingToken();
        uint256 unit = GasPayingToken.unit(decimals);
        if (value % unit != 0) revert WithdrawalValueNotWholeTokenUnits(value, unit);
    }
}
