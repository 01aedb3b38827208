// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Reenterer
/// @notice For test/contracts (hostile*.test.ts): a withdrawal or message target that calls
///         back into the contract that is calling it (`go(target, data)`), bubbling up the
///         re-entered call's revert so a test can assert which guard refused it. Accepts ETH.
contract Reenterer {
    function go(address target, bytes calldata data) external payable returns (bytes memory ret) {
        bool ok;
        (ok, ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    /// @notice Several calls in one transaction (e.g. two deposits in one L1 block), bubbling the
    ///         first revert.
    function goMany(address target, bytes[] calldata datas) external payable {
        for (uint256 i; i < datas.length; ++i) this.go(target, datas[i]);
    }

    receive() external payable {}
}

/// @notice Reverts on any plain ETH transfer (a recipient that refuses value).
contract EthRefuser {
    error NoEthAccepted();

    receive() external payable {
        revert NoEthAccepted();
    }
}
