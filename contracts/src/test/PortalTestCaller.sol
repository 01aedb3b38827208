// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Portal} from "../L1/Portal.sol";

/// @title PortalTestCaller
/// @notice For test/contracts: a contract depositor (its deposits must arrive from its alias)
///         and a withdrawal target that records what the portal exposes during the call.
contract PortalTestCaller {
    Portal public immutable portal;

    address public seenL2Sender;
    uint256 public seenL2ChainId;
    uint256 public seenValue;
    bytes public seenData;

    error Refused(uint256 code);

    constructor(Portal portal_) {
        portal = portal_;
    }

    function depositETH(uint256 chainId, address to) external payable {
        portal.depositETH{value: msg.value}(chainId, to);
    }

    function depositTransaction(uint256 chainId, address to, uint256 value, uint64 gasLimit, bytes calldata data)
        external
        payable
    {
        portal.depositTransaction{value: msg.value}(chainId, to, value, gasLimit, false, data);
    }

    /// @notice Withdrawal target: records the portal's context.
    function record(bytes calldata data) external payable {
        seenL2Sender = portal.l2Sender();
        seenL2ChainId = portal.l2ChainId();
        seenValue = msg.value;
        seenData = data;
    }

    /// @notice Withdrawal target that always fails.
    function refuse(uint256 code) external payable {
        revert Refused(code);
    }

    /// @notice Withdrawal target that burns gas, to check the portal forwards the full limit.
    function burnGas(uint256 amount) external payable {
        uint256 stop = gasleft() - amount;
        while (gasleft() > stop) {}
    }

    /// @notice Withdrawal target that tries to finalize another withdrawal from inside the call.
    function reenter(uint256 chainId, Portal.WithdrawalTransaction calldata other) external payable {
        portal.finalizeWithdrawal(chainId, other);
    }
}
