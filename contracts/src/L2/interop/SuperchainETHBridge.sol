// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Predeploys} from "../../shared/Predeploys.sol";
import {L1Block} from "../L1Block.sol";
import {L2ToL1MessagePasser} from "../L2ToL1MessagePasser.sol";
import {IETHLiquidity} from "./interfaces/IETHLiquidity.sol";
import {IL2ToL2CrossDomainMessenger} from "./interfaces/IL2ToL2CrossDomainMessenger.sol";
import {ISuperchainETHBridge} from "./interfaces/ISuperchainETHBridge.sol";
import {SafeSend} from "./SafeSend.sol";

/// @title SuperchainETHBridge
/// @notice Predeploy at 0x4200…0024: moves the native asset between the network's chains.
///         {sendETH} burns `msg.value` into ETHLiquidity and sends a message to this bridge on
///         the destination, whose {relayETH} mints the same amount out of ETHLiquidity there
///         and hands it to the recipient (without running the recipient's code).
///         On a chain whose native asset is a custom gas token both directions revert: the
///         native asset there is not ETH (as the OP Stack's ETH bridging refuses).
///         Every send is also recorded in the L2ToL1MessagePasser (`ethSentTo`), where output
///         roots commit to it, so the L1 escrow behind the ETH follows it to the destination.
/// @dev Installed as runtime code in the genesis alloc (no constructor, no storage).
contract SuperchainETHBridge is ISuperchainETHBridge {
    string public constant version = "1.0.0";

    IL2ToL2CrossDomainMessenger internal constant MESSENGER =
        IL2ToL2CrossDomainMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER);

    /// @notice Sends `msg.value` to `_to` on chain `_chainId`.
    /// @return msgHash_ Hash of the message that {relayETH} on the destination executes.
    function sendETH(address _to, uint256 _chainId) external payable returns (bytes32 msgHash_) {
        _requireEther();
        if (_to == address(0)) revert ZeroAddress();
        IETHLiquidity(Predeploys.ETH_LIQUIDITY).burn{value: msg.value}();
        // Output roots commit to this total: L1 moves the escrow behind it to the destination.
        L2ToL1MessagePasser(payable(Predeploys.L2_TO_L1_MESSAGE_PASSER)).recordEthSent(_chainId, msg.value);
        msgHash_ = MESSENGER.sendMessage(_chainId, address(this), abi.encodeCall(this.relayETH, (msg.sender, _to, msg.value)));
        emit SendETH(msg.sender, _to, msg.value, _chainId);
    }

    /// @notice Pays out a transfer sent by this bridge on another chain; only through the messenger.
    function relayETH(address _from, address _to, uint256 _amount) external {
        if (msg.sender != address(MESSENGER)) revert Unauthorized();
        _requireEther();
        (address sender, uint256 source) = MESSENGER.crossDomainMessageContext();
        if (sender != address(this)) revert InvalidCrossDomainSender();

        IETHLiquidity(Predeploys.ETH_LIQUIDITY).mint(_amount);
        SafeSend.send(_to, _amount);
        emit RelayETH(_from, _to, _amount, source);
    }

    function _requireEther() private view {
        if (L1Block(Predeploys.L1_BLOCK).isCustomGasToken()) revert NotSupportedOnCustomGasToken();
    }
}
