// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title SafeSend
/// @notice Sends ETH without running any code of the recipient, so a recipient cannot make the
///         transfer revert (or re-enter): what the OP Stack's `SafeSend` contract does.
/// @dev Creates a throw-away contract with the value whose init code is just
///      `PUSH20 recipient; SELFDESTRUCT`. A contract that self-destructs in the transaction that
///      created it still moves its whole balance to the beneficiary and is deleted (EIP-6780).
///      The init code is hand-assembled rather than written in Solidity only to keep the
///      compiler's `selfdestruct` deprecation warning out of the build.
library SafeSend {
    error SafeSendFailed();

    function send(address _to, uint256 _amount) internal {
        address created;
        assembly ("memory-safe") {
            // 22 bytes: 0x73 <20-byte address> 0xff, left-aligned in one word of scratch memory.
            let ptr := mload(0x40)
            mstore(ptr, or(shl(248, 0x73), or(shl(88, and(_to, 0xffffffffffffffffffffffffffffffffffffffff)), shl(80, 0xff))))
            created := create(_amount, ptr, 22)
        }
        if (created == address(0)) revert SafeSendFailed();
    }
}
