// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Predeploys} from "../shared/Predeploys.sol";
import {IL2ToL2CrossDomainMessenger} from "../L2/interop/interfaces/IL2ToL2CrossDomainMessenger.sol";
import {RelayPayment} from "../L2/interop/RelayPayment.sol";

/// @title RelayGasProbe
/// @notice Test contract for relay payments: sends messages paid or unpaid (one or a flood
///         per call), and as a target records the gas a relay gave it, or burns all of it.
contract RelayGasProbe {
    IL2ToL2CrossDomainMessenger internal constant MESSENGER =
        IL2ToL2CrossDomainMessenger(Predeploys.L2_TO_L2_CROSS_DOMAIN_MESSENGER);

    /// @notice gasleft() when {record} was last entered: what the relay gave the target.
    uint256 public gasAtEntry;
    uint256 public calls;

    function sendPaid(uint256 _destination, address _target, bytes calldata _message, uint256 _gasLimit)
        external
        payable
        returns (bytes32)
    {
        return RelayPayment.sendMessagePaid(_destination, _target, _message, _gasLimit);
    }

    /// @notice `_count` messages (each calling {record}), each paid for `_gasLimit` if nonzero.
    function sendMany(uint256 _destination, address _target, uint256 _count, uint256 _gasLimit) external payable {
        bytes memory message = abi.encodeCall(RelayGasProbe.record, ());
        for (uint256 i; i < _count; ++i) {
            if (_gasLimit == 0) MESSENGER.sendMessage(_destination, _target, message);
            else RelayPayment.sendMessagePaid(_destination, _target, message, _gasLimit);
        }
    }

    function record() external {
        uint256 g = gasleft();
        gasAtEntry = g;
        calls++;
    }

    /// @notice Uses every bit of gas it is given (the relay then fails out of gas).
    function burn() external pure {
        while (true) {}
    }

    receive() external payable {}
}
