// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title RelayPayer
/// @notice For test/contracts/hostileRelayPayment.test.ts: a contract that pays for relays at a
///         RelayGasPaymaster (`pay` forwards its value) and misbehaves when the refund arrives:
///         re-enters the paymaster with `reenterData` (forwarding the refund it just got, so
///         nothing is minted), or refuses the refund. A re-entry's revert is bubbled up.
contract RelayPayer {
    address public immutable paymaster;
    bytes public reenterData;
    bool public rejectRefunds;
    uint256 public refunds;
    bool private entered;

    error RefundRefused();

    constructor(address _paymaster) {
        paymaster = _paymaster;
    }

    /// @notice What happens on the next refund: a call with `_data` (empty: none) or a revert.
    function configure(bytes calldata _data, bool _reject) external {
        reenterData = _data;
        rejectRefunds = _reject;
    }

    function pay(bytes calldata _data) external payable {
        _call(_data, msg.value);
    }

    receive() external payable {
        if (rejectRefunds) revert RefundRefused();
        refunds++;
        if (reenterData.length == 0 || entered) return;
        entered = true;
        _call(reenterData, msg.value);
        entered = false;
    }

    function _call(bytes memory _data, uint256 _value) private {
        (bool ok, bytes memory ret) = paymaster.call{value: _value}(_data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
