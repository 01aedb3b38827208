// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC165Checker} from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import {Predeploys} from "../../shared/Predeploys.sol";
import {IERC7802} from "./interfaces/IERC7802.sol";
import {IL2ToL2CrossDomainMessenger} from "./interfaces/IL2ToL2CrossDomainMessenger.sol";
import {ISuperchainTokenBridge} from "./interfaces/ISuperchainTokenBridge.sol";

/// @title SuperchainTokenBridge
/// @notice Predeploy at 0x4200…0028: moves ERC-7802 tokens (SuperchainERC20s, deployed at the
///         same address on every chain) between the network's chains by burning on the source
///         and minting on the destination, so no chain holds a wrapped copy.
/// @dev Installed as runtime code in the genesis alloc (no constructor, no storage).
contract SuperchainTokenBridge is ISuperchainTokenBridge {
    string public constant version = "1.0.0";

    IL2ToL2CrossDomainMessenger internal constant MESSENGER =
        IL2ToL2CrossDomainMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER);

    /// @notice Burns `_amount` of `_token` from the caller here and mints it to `_to` on `_chainId`
    ///         once the message is relayed there.
    /// @return msgHash_ Hash of the message that {relayERC20} on the destination executes.
    function sendERC20(address _token, address _to, uint256 _amount, uint256 _chainId)
        external
        returns (bytes32 msgHash_)
    {
        if (_to == address(0)) revert ZeroAddress();
        if (!ERC165Checker.supportsInterface(_token, type(IERC7802).interfaceId)) revert InvalidERC7802();

        IERC7802(_token).crosschainBurn(msg.sender, _amount);
        msgHash_ = MESSENGER.sendMessage(
            _chainId, address(this), abi.encodeCall(this.relayERC20, (_token, msg.sender, _to, _amount))
        );
        emit SendERC20(_token, msg.sender, _to, _amount, _chainId);
    }

    /// @notice Mints a transfer sent by this bridge on another chain; only through the messenger.
    function relayERC20(address _token, address _from, address _to, uint256 _amount) external {
        if (msg.sender != address(MESSENGER)) revert Unauthorized();
        (address sender, uint256 source) = MESSENGER.crossDomainMessageContext();
        if (sender != address(this)) revert InvalidCrossDomainSender();

        IERC7802(_token).crosschainMint(_to, _amount);
        emit RelayERC20(_token, _from, _to, _amount, source);
    }
}
