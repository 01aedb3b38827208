// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Predeploys} from "../../shared/Predeploys.sol";
import {IL2ToL2CrossDomainMessenger} from "./interfaces/IL2ToL2CrossDomainMessenger.sol";
import {RelayGasPaymaster} from "./RelayGasPaymaster.sol";

/// @title RelayPayment
/// @notice For contracts that send cross-chain messages: send and pay for the relay in one
///         step. The functions are internal, so they run in the calling contract: the
///         messenger sees the contract itself as the message's sender (what
///         `crossDomainMessageSender` tells the target), which a helper contract calling the
///         messenger on the sender's behalf could not preserve.
library RelayPayment {
    /// @notice Sends `_message` to `_target` on `_destination` and pays for `_gasLimit` gas of
    ///         its relay from this contract's balance (exactly the quote: nothing to refund).
    function sendMessagePaid(uint256 _destination, address _target, bytes memory _message, uint256 _gasLimit)
        internal
        returns (bytes32 msgHash_)
    {
        msgHash_ = IL2ToL2CrossDomainMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER).sendMessage(
            _destination, _target, _message
        );
        RelayGasPaymaster paymaster = RelayGasPaymaster(Predeploys.RELAY_GAS_PAYMASTER);
        paymaster.payForRelay{value: paymaster.quoteRelay(_destination, _gasLimit)}(msgHash_, _destination, _gasLimit);
    }
}
